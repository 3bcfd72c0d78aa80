/**
 * Finds the SPA's OIDC application in the project by its exact name, or creates it; when it exists
 * with settings that differ from the desired ones (say, a new redirect URI), its OIDC
 * configuration is replaced. The desired client is public (user agent, auth method none, so PKCE),
 * issues JWT access tokens (the backend verifies them offline), puts userinfo claims into the ID
 * token, and is in dev mode (http:// redirect URIs are accepted).
 */

/**
 * @param {{ redirectUris: string[], postLogoutRedirectUris: string[] }} uris
 */
export function desiredOidcConfig({ redirectUris, postLogoutRedirectUris }) {
  return {
    redirectUris,
    postLogoutRedirectUris,
    responseTypes: ['OIDC_RESPONSE_TYPE_CODE'],
    grantTypes: ['OIDC_GRANT_TYPE_AUTHORIZATION_CODE', 'OIDC_GRANT_TYPE_REFRESH_TOKEN'],
    appType: 'OIDC_APP_TYPE_USER_AGENT',
    authMethodType: 'OIDC_AUTH_METHOD_TYPE_NONE',
    accessTokenType: 'OIDC_TOKEN_TYPE_JWT',
    idTokenUserinfoAssertion: true,
    accessTokenRoleAssertion: false,
    idTokenRoleAssertion: false,
    devMode: true,
  };
}

// Proto3 JSON may leave out fields at their zero value: these are the zero values.
const ZERO = {
  appType: 'OIDC_APP_TYPE_WEB',
  authMethodType: 'OIDC_AUTH_METHOD_TYPE_BASIC',
  accessTokenType: 'OIDC_TOKEN_TYPE_BEARER',
};

/**
 * Names the settings in which the app's current OIDC configuration differs from the desired one.
 *
 * @param {Record<string, any>} current `oidcConfig` as the management API returns it
 * @param {ReturnType<typeof desiredOidcConfig>} desired
 * @returns {string[]}
 */
export function oidcConfigDifferences(current, desired) {
  /** @param {unknown} value */
  const asSet = (value) => JSON.stringify([...new Set(Array.isArray(value) ? value : [])].sort());
  /** @type {string[]} */
  const differences = [];
  for (const key of /** @type {const} */ ([
    'redirectUris',
    'postLogoutRedirectUris',
    'responseTypes',
    'grantTypes',
  ])) {
    if (asSet(current[key]) !== asSet(desired[key])) differences.push(key);
  }
  for (const key of /** @type {const} */ (['appType', 'authMethodType', 'accessTokenType'])) {
    if ((current[key] ?? ZERO[key]) !== desired[key]) differences.push(key);
  }
  for (const key of /** @type {const} */ (['idTokenUserinfoAssertion', 'devMode'])) {
    if ((current[key] ?? false) !== desired[key]) differences.push(key);
  }
  return differences;
}

/**
 * @param {import('./zitadel-client.js').ZitadelClient} client
 * @param {{
 *   projectId: string,
 *   name: string,
 *   redirectUris: string[],
 *   postLogoutRedirectUris: string[],
 *   log: (line: string) => void,
 * }} options
 * @returns {Promise<{ appId: string, clientId: string, created: boolean, updated: boolean }>}
 */
export async function ensureOidcApp(
  client,
  { projectId, name, redirectUris, postLogoutRedirectUris, log },
) {
  const desired = desiredOidcConfig({ redirectUris, postLogoutRedirectUris });
  const projectPath = `/management/v1/projects/${encodeURIComponent(projectId)}`;
  const found = await client.post(`${projectPath}/apps/_search`, {
    query: { limit: 10 },
    queries: [{ nameQuery: { name, method: 'TEXT_QUERY_METHOD_EQUALS' } }],
  });
  const existing = (found.result ?? []).find(
    (/** @type {{ name?: string, oidcConfig?: unknown }} */ app) =>
      app.name === name && app.oidcConfig !== undefined,
  );

  if (!existing) {
    const created = await client.post(`${projectPath}/apps/oidc`, {
      name,
      ...desired,
      version: 'OIDC_VERSION_1_0',
      clockSkew: '0s',
    });
    log(`OIDC app "${name}": created ${created.appId} (client id ${created.clientId})`);
    return { appId: created.appId, clientId: created.clientId, created: true, updated: false };
  }

  const differences = oidcConfigDifferences(existing.oidcConfig, desired);
  if (differences.length === 0) {
    log(`OIDC app "${name}": found ${existing.id} (client id ${existing.oidcConfig.clientId})`);
    return {
      appId: existing.id,
      clientId: existing.oidcConfig.clientId,
      created: false,
      updated: false,
    };
  }
  await client.put(`${projectPath}/apps/${encodeURIComponent(existing.id)}/oidc_config`, {
    ...desired,
    clockSkew: '0s',
  });
  log(`OIDC app "${name}": updated ${existing.id} (${differences.join(', ')} differed)`);
  return {
    appId: existing.id,
    clientId: existing.oidcConfig.clientId,
    created: false,
    updated: true,
  };
}
