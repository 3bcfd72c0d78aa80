import type {
  AddProjectRequestJson,
  AddProjectResponseJson,
  ListProjectsRequestJson,
  ListProjectsResponseJson,
} from '@zitadel/proto/zitadel/management_pb';
import type { ZitadelClient } from './zitadel-client';

/**
 * Finds the project by its exact name, or creates it (management API v1). Projects live in the
 * organization of the calling machine user: the first instance's organization.
 */
export async function ensureProject(
  client: ZitadelClient,
  { name, log }: { name: string; log: (line: string) => void },
): Promise<{ id: string; created: boolean }> {
  const found = await client.post<ListProjectsResponseJson>('/management/v1/projects/_search', {
    query: { limit: 10 },
    queries: [{ nameQuery: { name, method: 'TEXT_QUERY_METHOD_EQUALS' } }],
  } satisfies ListProjectsRequestJson);
  const projects = (found.result ?? []).filter((project) => project.name === name);
  const [existing, ...others] = projects;
  if (existing) {
    if (others.length > 0) {
      log(`warning: ${projects.length} projects are named "${name}"; using ${existing.id}`);
    }
    log(`project "${name}": found ${existing.id}`);
    return { id: String(existing.id), created: false };
  }
  const created = await client.post<AddProjectResponseJson>('/management/v1/projects', {
    name,
    projectRoleAssertion: true,
  } satisfies AddProjectRequestJson);
  log(`project "${name}": created ${created.id}`);
  return { id: String(created.id), created: true };
}
