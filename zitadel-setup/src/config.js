/**
 * Settings of the setup step, read once from the environment. Every variable has a default that
 * fits docker-compose.yml; docs/docker.md lists them. A bad value stops the run with a message
 * naming every problem at once.
 */

/**
 * @typedef {object} SetupConfig
 * @property {string} zitadelApiUrl Where this step calls ZITADEL's APIs.
 * @property {string} patFile The IAM_OWNER machine user's personal access token, written by ZITADEL.
 * @property {string} oidcIssuer The issuer the browser and the backend see.
 * @property {string} backendZitadelApiUrl Where the backend calls ZITADEL's APIs (its reconciler).
 * @property {string} projectName
 * @property {string} appName
 * @property {string} apiAppName The API app the backend introspects opaque tokens with.
 * @property {string} reconcilerUserName The backend's machine user (Event API, ListUsers).
 * @property {string[]} redirectUris
 * @property {string[]} postLogoutRedirectUris
 * @property {string} apiBaseUrl Where the SPA calls the backend.
 * @property {string} webhookTargetName
 * @property {string} webhookUrl Where ZITADEL posts Actions v2 events (reached from ZITADEL itself).
 * @property {string[]} executionEventGroups
 * @property {string[]} executionEvents
 * @property {boolean} ensureActions Create the backend's restCall targets (enricher, signup policy).
 * @property {string} actionsUrl Where ZITADEL reaches them, without the target's own path.
 * @property {string} actionsTargetPrefix Their names start with this.
 * @property {boolean} ensureLegalLinks
 * @property {string} tosLink
 * @property {string} privacyLink
 * @property {string} frontendConfigFile
 * @property {string} backendEnvFile
 * @property {{ uid: number, gid: number } | undefined} backendEnvOwner
 * @property {number} waitTimeoutMs
 * @property {number} waitIntervalMs
 * @property {string} appOrigin The address to open in a browser.
 */

export class ConfigError extends Error {
  /** @override */
  name = 'ConfigError';
}

const DEFAULT_EVENTS = [
  'user.deactivated',
  'user.reactivated',
  'user.locked',
  'user.unlocked',
  'user.removed',
];

/**
 * @param {Record<string, string | undefined>} env
 * @returns {SetupConfig}
 */
export function loadConfig(env = process.env) {
  /** @type {string[]} */
  const problems = [];
  // An empty variable means "not set": compose files and shells often export KEY= .
  /** @param {string} name */
  const read = (name) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  /** @param {string} name @param {string} fallback */
  const url = (name, fallback) => {
    const value = read(name) ?? fallback;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
    } catch {
      problems.push(`${name} must be an http(s) URL (got "${value}")`);
    }
    return value.replace(/\/+$/, '');
  };
  /** @param {string} name @param {string[]} fallback */
  const list = (name, fallback) => {
    const value = read(name);
    if (value === undefined) return fallback;
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  };
  /** @param {string} name @param {string[]} fallback */
  const urlList = (name, fallback) => {
    const values = list(name, fallback);
    if (values.length === 0) problems.push(`${name} must name at least one URL`);
    for (const value of values) {
      if (!URL.canParse(value)) problems.push(`${name} has an invalid URL "${value}"`);
    }
    return values;
  };
  /** @param {string} name @param {number} fallback */
  const positiveInt = (name, fallback) => {
    const value = read(name);
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!Number.isInteger(number) || number <= 0) {
      problems.push(`${name} must be a positive integer (got "${value}")`);
      return fallback;
    }
    return number;
  };
  /** @param {string} name @param {boolean} fallback */
  const bool = (name, fallback) => {
    const value = read(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    problems.push(`${name} must be true or false (got "${value}")`);
    return fallback;
  };

  const zitadelApiUrl = url('ZITADEL_API_URL', 'http://localhost:8080');
  const appOrigin = url('APP_ORIGIN', 'http://localhost:5173');
  const owner = read('BACKEND_ENV_OWNER');
  let backendEnvOwner;
  if (owner !== undefined) {
    const match = /^(\d+):(\d+)$/.exec(owner);
    if (match) backendEnvOwner = { uid: Number(match[1]), gid: Number(match[2]) };
    else problems.push(`BACKEND_ENV_OWNER must be uid:gid (got "${owner}")`);
  }

  /** @type {SetupConfig} */
  const config = {
    zitadelApiUrl,
    patFile: read('ZITADEL_PAT_FILE') ?? '/zitadel-bootstrap/admin.pat',
    oidcIssuer: url('OIDC_ISSUER', zitadelApiUrl),
    backendZitadelApiUrl: url('BACKEND_ZITADEL_API_URL', zitadelApiUrl),
    projectName: read('PROJECT_NAME') ?? 'liverty-music',
    appName: read('APP_NAME') ?? 'liverty-music-spa',
    apiAppName: read('API_APP_NAME') ?? 'liverty-music-api',
    reconcilerUserName: read('RECONCILER_USER_NAME') ?? 'liverty-reconciler',
    redirectUris: urlList('REDIRECT_URIS', [`${appOrigin}/callback`]),
    postLogoutRedirectUris: urlList('POST_LOGOUT_REDIRECT_URIS', [`${appOrigin}/`]),
    apiBaseUrl: url('API_BASE_URL', 'http://localhost:3001'),
    webhookTargetName: read('WEBHOOK_TARGET_NAME') ?? 'liverty-music-backend',
    webhookUrl: url('WEBHOOK_URL', 'http://127.0.0.1:3001/webhooks/zitadel'),
    executionEventGroups: list('EXECUTION_EVENT_GROUPS', ['user.human']),
    executionEvents: list('EXECUTION_EVENTS', DEFAULT_EVENTS),
    ensureActions: bool('ENSURE_ACTIONS', true),
    actionsUrl: url('ACTIONS_URL', 'http://127.0.0.1:3001/actions/zitadel'),
    actionsTargetPrefix: read('ACTIONS_TARGET_PREFIX') ?? 'liverty-music',
    ensureLegalLinks: bool('ENSURE_LEGAL_LINKS', true),
    tosLink: url('TOS_LINK', `${appOrigin}/terms`),
    privacyLink: url('PRIVACY_LINK', `${appOrigin}/privacy`),
    frontendConfigFile: read('FRONTEND_CONFIG_FILE') ?? '/config/public/config.json',
    backendEnvFile: read('BACKEND_ENV_FILE') ?? '/config/secrets/backend.env',
    backendEnvOwner,
    waitTimeoutMs: positiveInt('WAIT_TIMEOUT_SECONDS', 300) * 1000,
    waitIntervalMs: positiveInt('WAIT_INTERVAL_MS', 1000),
    appOrigin,
  };
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}
