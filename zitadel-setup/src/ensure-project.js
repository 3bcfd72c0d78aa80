/**
 * Finds the project by its exact name, or creates it (management API v1). Projects live in the
 * organization of the calling machine user: the first instance's organization.
 *
 * @param {import('./zitadel-client.js').ZitadelClient} client
 * @param {{ name: string, log: (line: string) => void }} options
 * @returns {Promise<{ id: string, created: boolean }>}
 */
export async function ensureProject(client, { name, log }) {
  const found = await client.post('/management/v1/projects/_search', {
    query: { limit: 10 },
    queries: [{ nameQuery: { name, method: 'TEXT_QUERY_METHOD_EQUALS' } }],
  });
  /** @type {Array<{ id: string, name: string }>} */
  const projects = (found.result ?? []).filter(
    (/** @type {{ name?: string }} */ project) => project.name === name,
  );
  const [existing, ...others] = projects;
  if (existing) {
    if (others.length > 0) {
      log(`warning: ${projects.length} projects are named "${name}"; using ${existing.id}`);
    }
    log(`project "${name}": found ${existing.id}`);
    return { id: existing.id, created: false };
  }
  const created = await client.post('/management/v1/projects', {
    name,
    projectRoleAssertion: true,
  });
  log(`project "${name}": created ${created.id}`);
  return { id: String(created.id), created: true };
}
