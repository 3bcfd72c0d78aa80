import { waitUntil } from '@liverty-music/test-support/wait-until';
import { sql } from 'drizzle-orm';
import type { Database } from '../../src/db/open-database';
import { rowsOf } from '../../src/db/rows-of';

/**
 * Resolves once a session of this database waits on a lock held by another: the moment a
 * statement under test has taken every lock it will take before the one it is blocked on.
 */
export async function waitForLockWait(db: Database): Promise<void> {
  await waitUntil(
    'a statement blocked on a lock',
    async () =>
      rowsOf<{ waiting: number }>(
        await db.execute(sql`select count(*)::int as waiting from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`),
      )[0]?.waiting === 1,
    { timeoutMs: 20_000, intervalMs: 20 },
  );
}
