/**
 * Finds the project's API application by its exact name, or creates it (management v1). The
 * backend authenticates as this app at ZITADEL's introspection endpoint to check opaque access
 * tokens: ZITADEL only answers introspection for an authenticated API app, and only about tokens
 * whose audience holds the app or its project (internal/api/oidc/introspect.go).
 *
 * Auth method client_secret_basic (API_AUTH_METHOD_TYPE_BASIC). ZITADEL shows a secret only when
 * it creates or regenerates it, so a secret an earlier run wrote for this client (`known`) is
 * reused, and otherwise it is regenerated: the only way to learn it again.
 *
 * Requests (proto/zitadel/management.proto, google.api.http, prefix /management/v1):
 * - ListApps                  POST /projects/{project_id}/apps/_search
 * - AddAPIApp                 POST /projects/{project_id}/apps/api   {name, authMethodType}
 *                             → {appId, clientId, clientSecret}
 * - UpdateAPIAppConfig        PUT  /projects/{project_id}/apps/{app_id}/api_config {authMethodType}
 * - RegenerateAPIClientSecret POST /projects/{project_id}/apps/{app_id}/api_config/_generate_client_secret
 *                             → {clientSecret}
 */

import type { APIAuthMethodTypeJson } from '@zitadel/proto/zitadel/app_pb';
import type {
  AddAPIAppRequestJson,
  AddAPIAppResponseJson,
  RegenerateAPIClientSecretResponseJson,
  UpdateAPIAppConfigRequestJson,
} from '@zitadel/proto/zitadel/management_pb';
import { findProjectApp } from './find-project-app';
import type { ZitadelClient } from './zitadel-client';

const AUTH_METHOD: APIAuthMethodTypeJson = 'API_AUTH_METHOD_TYPE_BASIC';

export interface EnsuredApiApp {
  appId: string;
  clientId: string;
  clientSecret: string;
  created: boolean;
  updated: boolean;
}

export async function ensureApiApp(
  client: ZitadelClient,
  {
    projectId,
    name,
    known = {},
    log,
  }: {
    projectId: string;
    name: string;
    known?: { clientId?: string | undefined; clientSecret?: string | undefined };
    log: (line: string) => void;
  },
): Promise<EnsuredApiApp> {
  const projectPath = `/management/v1/projects/${encodeURIComponent(projectId)}`;
  const existing = await findProjectApp(client, projectId, name, 'apiConfig');

  if (!existing?.apiConfig) {
    const created = await client.post<AddAPIAppResponseJson>(`${projectPath}/apps/api`, {
      name,
      authMethodType: AUTH_METHOD,
    } satisfies AddAPIAppRequestJson);
    if (!created.clientSecret)
      throw new Error(`ZITADEL created API app ${created.appId} without a client secret`);
    log(`API app "${name}": created ${created.appId} (client id ${created.clientId})`);
    return {
      appId: String(created.appId),
      clientId: String(created.clientId),
      clientSecret: created.clientSecret,
      created: true,
      updated: false,
    };
  }

  const appId = String(existing.id);
  const clientId = String(existing.apiConfig.clientId);
  const appPath = `${projectPath}/apps/${encodeURIComponent(appId)}`;
  const reasons: string[] = [];
  // Proto3 JSON leaves out the zero value, which is API_AUTH_METHOD_TYPE_BASIC.
  const method = existing.apiConfig.authMethodType ?? AUTH_METHOD;
  if (method !== AUTH_METHOD) {
    await client.put(`${appPath}/api_config`, {
      authMethodType: AUTH_METHOD,
    } satisfies UpdateAPIAppConfigRequestJson);
    reasons.push(`auth method was ${method}`);
  }
  let clientSecret =
    reasons.length === 0 && known.clientId === clientId ? known.clientSecret : undefined;
  if (!clientSecret) {
    const regenerated = await client.post<RegenerateAPIClientSecretResponseJson>(
      `${appPath}/api_config/_generate_client_secret`,
      {},
    );
    clientSecret = regenerated.clientSecret;
    if (!clientSecret) throw new Error(`ZITADEL returned no client secret for API app ${appId}`);
    reasons.push('its secret was not known, so it was regenerated');
  }
  if (reasons.length === 0) {
    log(`API app "${name}": found ${appId} (client id ${clientId})`);
    return { appId, clientId, clientSecret, created: false, updated: false };
  }
  log(`API app "${name}": updated ${appId} (${reasons.join('; ')})`);
  return { appId, clientId, clientSecret, created: false, updated: true };
}
