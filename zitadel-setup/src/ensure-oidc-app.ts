/**
 * Finds the SPA's OIDC application in the project by its exact name, or creates it; when it exists
 * with settings that differ from the desired ones (say, a new redirect URI), its OIDC
 * configuration is replaced. The desired client is public (user agent, auth method none, so PKCE),
 * issues JWT access tokens (the backend verifies them offline), puts userinfo claims into the ID
 * token, and is in dev mode (http:// redirect URIs are accepted).
 */
import type { OIDCConfigJson } from '@zitadel/proto/zitadel/app_pb';
import type {
  AddOIDCAppRequestJson,
  AddOIDCAppResponseJson,
  UpdateOIDCAppConfigRequestJson,
} from '@zitadel/proto/zitadel/management_pb';
import { findProjectApp } from './find-project-app';
import type { ZitadelClient } from './zitadel-client';

/** The settings this step manages, in the field names of AddOIDCApp and UpdateOIDCAppConfig. */
export type DesiredOidcConfig = Required<
  Pick<
    AddOIDCAppRequestJson & UpdateOIDCAppConfigRequestJson,
    | 'redirectUris'
    | 'postLogoutRedirectUris'
    | 'responseTypes'
    | 'grantTypes'
    | 'appType'
    | 'authMethodType'
    | 'accessTokenType'
    | 'idTokenUserinfoAssertion'
    | 'accessTokenRoleAssertion'
    | 'idTokenRoleAssertion'
    | 'devMode'
  >
>;

export function desiredOidcConfig({
  redirectUris,
  postLogoutRedirectUris,
}: {
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}): DesiredOidcConfig {
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
} as const satisfies Pick<DesiredOidcConfig, 'appType' | 'authMethodType' | 'accessTokenType'>;

/**
 * Names the settings in which the app's current OIDC configuration differs from the desired one.
 * `current` is `oidcConfig` as the management API returns it.
 */
export function oidcConfigDifferences(
  current: OIDCConfigJson,
  desired: DesiredOidcConfig,
): string[] {
  const asSet = (value: unknown) =>
    JSON.stringify([...new Set(Array.isArray(value) ? value : [])].sort());
  const differences: string[] = [];
  for (const key of [
    'redirectUris',
    'postLogoutRedirectUris',
    'responseTypes',
    'grantTypes',
  ] as const) {
    if (asSet(current[key]) !== asSet(desired[key])) differences.push(key);
  }
  for (const key of ['appType', 'authMethodType', 'accessTokenType'] as const) {
    if ((current[key] ?? ZERO[key]) !== desired[key]) differences.push(key);
  }
  for (const key of ['idTokenUserinfoAssertion', 'devMode'] as const) {
    if ((current[key] ?? false) !== desired[key]) differences.push(key);
  }
  return differences;
}

export interface EnsuredOidcApp {
  appId: string;
  clientId: string;
  created: boolean;
  updated: boolean;
}

export async function ensureOidcApp(
  client: ZitadelClient,
  {
    projectId,
    name,
    redirectUris,
    postLogoutRedirectUris,
    log,
  }: {
    projectId: string;
    name: string;
    redirectUris: string[];
    postLogoutRedirectUris: string[];
    log: (line: string) => void;
  },
): Promise<EnsuredOidcApp> {
  const desired = desiredOidcConfig({ redirectUris, postLogoutRedirectUris });
  const projectPath = `/management/v1/projects/${encodeURIComponent(projectId)}`;
  const existing = await findProjectApp(client, projectId, name, 'oidcConfig');

  if (!existing?.oidcConfig) {
    const created = await client.post<AddOIDCAppResponseJson>(`${projectPath}/apps/oidc`, {
      name,
      ...desired,
      version: 'OIDC_VERSION_1_0',
      clockSkew: '0s',
    } satisfies AddOIDCAppRequestJson);
    log(`OIDC app "${name}": created ${created.appId} (client id ${created.clientId})`);
    return {
      appId: String(created.appId),
      clientId: String(created.clientId),
      created: true,
      updated: false,
    };
  }

  const appId = String(existing.id);
  const clientId = String(existing.oidcConfig.clientId);
  const differences = oidcConfigDifferences(existing.oidcConfig, desired);
  if (differences.length === 0) {
    log(`OIDC app "${name}": found ${appId} (client id ${clientId})`);
    return { appId, clientId, created: false, updated: false };
  }
  await client.put(`${projectPath}/apps/${encodeURIComponent(appId)}/oidc_config`, {
    ...desired,
    clockSkew: '0s',
  } satisfies UpdateOIDCAppConfigRequestJson);
  log(`OIDC app "${name}": updated ${appId} (${differences.join(', ')} differed)`);
  return { appId, clientId, created: false, updated: true };
}
