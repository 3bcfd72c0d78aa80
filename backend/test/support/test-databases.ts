import { createThrowawayDatabase } from '@liverty-music/test-support/throwaway-database';
import { type DatabaseHandle, openDatabase } from '../../src/db/open-database';

export interface TestDatabase {
  handle: DatabaseHandle;
  url?: string;
  drop(): Promise<void>;
}

/**
 * Every database-backed suite runs against both drivers. Real Postgres comes from
 * TEST_DATABASE_URL (CI sets it); if it is unreachable the suite fails loudly rather than skipping.
 */
export const databaseKinds = ['pglite', 'postgres'] as const;
export type DatabaseKind = (typeof databaseKinds)[number];

/** A migrated database of that kind: in memory, or a fresh one per suite on the shared server. */
export async function createTestDatabase(
  kind: DatabaseKind,
  options: { maxConnections?: number } = {},
): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const handle = await openDatabase({ pgliteDir: 'memory://' });
    await handle.migrate();
    return { handle, drop: () => handle.close() };
  }
  const database = await createThrowawayDatabase('liverty_test');
  const handle = await openDatabase({
    url: database.url,
    pgliteDir: 'unused',
    maxConnections: options.maxConnections ?? 10,
  });
  await handle.migrate();
  return {
    handle,
    url: database.url,
    async drop() {
      await handle.close();
      await database.drop();
    },
  };
}
