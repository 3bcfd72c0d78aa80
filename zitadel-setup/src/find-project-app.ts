import type { AppJson } from '@zitadel/proto/zitadel/app_pb';
import type {
  ListAppsRequestJson,
  ListAppsResponseJson,
} from '@zitadel/proto/zitadel/management_pb';
import type { ZitadelClient } from './zitadel-client';

/**
 * The project's app of this name and kind (`oidcConfig` or `apiConfig` set), if any: ZITADEL's
 * name query matches apps of every kind, so an app of the other kind with the same name is not it.
 */
export async function findProjectApp(
  client: ZitadelClient,
  projectId: string,
  name: string,
  kind: 'oidcConfig' | 'apiConfig',
): Promise<AppJson | undefined> {
  const found = await client.post<ListAppsResponseJson>(
    `/management/v1/projects/${encodeURIComponent(projectId)}/apps/_search`,
    {
      query: { limit: 10 },
      queries: [{ nameQuery: { name, method: 'TEXT_QUERY_METHOD_EQUALS' } }],
    } satisfies ListAppsRequestJson,
  );
  return (found.result ?? []).find((app) => app.name === name && app[kind] !== undefined);
}
