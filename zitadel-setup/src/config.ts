/**
 * Settings of the setup step, read once from the environment. Every variable has a default that
 * fits docker-compose.yml; docs/docker.md lists them. A bad value stops the run with a message
 * naming every problem at once.
 */

export interface SetupConfig {
  /** Where this step calls ZITADEL's APIs. */
  zitadelApiUrl: string;
  /** The IAM_OWNER machine user's personal access token, written by ZITADEL. */
  patFile: string;
  /** The issuer the browser and the backend see. */
  oidcIssuer: string;
  /** Where the backend calls ZITADEL's APIs (its reconciler). */
  backendZitadelApiUrl: string;
  projectName: string;
  appName: string;
  /** The API app the backend introspects opaque tokens with. */
  apiAppName: string;
  /** The backend's machine user (Event API, ListUsers). */
  reconcilerUserName: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** Where the SPA calls the backend. */
  apiBaseUrl: string;
  webhookTargetName: string;
  /** Where ZITADEL posts Actions v2 events (reached from ZITADEL itself). */
  webhookUrl: string;
  executionEventGroups: string[];
  executionEvents: string[];
  /** Create the backend's restCall targets (enricher, signup policy). */
  ensureActions: boolean;
  /** Where ZITADEL reaches them, without the target's own path. */
  actionsUrl: string;
  /** Their names start with this. */
  actionsTargetPrefix: string;
  ensureLegalLinks: boolean;
  tosLink: string;
  privacyLink: string;
  frontendConfigFile: string;
  backendEnvFile: string;
  backendEnvOwner: { uid: number; gid: number } | undefined;
  waitTimeoutMs: number;
  waitIntervalMs: number;
  /** The address to open in a browser. */
  appOrigin: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEFAULT_EVENTS = [
  'user.deactivated',
  'user.reactivated',
  'user.locked',
  'user.unlocked',
  'user.removed',
];

export function loadConfig(env: Record<string, string | undefined> = process.env): SetupConfig {
  const problems: string[] = [];
  // An empty variable means "not set": compose files and shells often export KEY= .
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const url = (name: string, fallback: string) => {
    const value = read(name) ?? fallback;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
    } catch {
      problems.push(`${name} must be an http(s) URL (got "${value}")`);
    }
    return value.replace(/\/+$/, '');
  };
  const list = (name: string, fallback: string[]) => {
    const value = read(name);
    if (value === undefined) return fallback;
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  };
  const urlList = (name: string, fallback: string[]) => {
    const values = list(name, fallback);
    if (values.length === 0) problems.push(`${name} must name at least one URL`);
    for (const value of values) {
      if (!URL.canParse(value)) problems.push(`${name} has an invalid URL "${value}"`);
    }
    return values;
  };
  const positiveInt = (name: string, fallback: number) => {
    const value = read(name);
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!Number.isInteger(number) || number <= 0) {
      problems.push(`${name} must be a positive integer (got "${value}")`);
      return fallback;
    }
    return number;
  };
  const bool = (name: string, fallback: boolean) => {
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
  let backendEnvOwner: SetupConfig['backendEnvOwner'];
  if (owner !== undefined) {
    const match = /^(\d+):(\d+)$/.exec(owner);
    if (match) backendEnvOwner = { uid: Number(match[1]), gid: Number(match[2]) };
    else problems.push(`BACKEND_ENV_OWNER must be uid:gid (got "${owner}")`);
  }

  const config: SetupConfig = {
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
