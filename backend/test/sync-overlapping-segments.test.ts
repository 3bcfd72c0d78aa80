import { startTestEventApi } from '@liverty-music/test-support/fake-event-api';
import { pause, waitUntil } from '@liverty-music/test-support/wait-until';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../src/db/schema';
import { syncEvents } from '../src/reconciler/sync-events';
import { createZitadelClient } from '../src/zitadel-api/zitadel-client';
import { createTestDatabase, type TestDatabase } from './support/test-databases';
import { addedPayload, newUserId } from './support/zitadel-events';

// The sync keeps two segments in the database at once (sync-events.ts); on Postgres, with a pool
// of connections, they really run side by side.
describe('two segments in the database at once', () => {
  let database: TestDatabase;
  let api: Awaited<ReturnType<typeof startTestEventApi>>;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    api = await startTestEventApi();
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  // Was a bug: two segments in the database at once, the later one locked rows the earlier one
  // still had to write, then waited in this process for the earlier one's commit, which waited on
  // those rows. Postgres saw no cycle; the fault suite's resumed backfill hung for good. Here the
  // first segment is held until the second has taken its row locks (as the old loop let it), or
  // for at most two seconds when the second waits for it, as it must.
  it('finishes when consecutive segments write the same users, whichever starts its statements first', async () => {
    const start = Date.now() - 60_000;
    const ids = [newUserId(), newUserId()];
    ids.forEach((userId, index) => {
      api.events.push({
        userId,
        sequence: 1,
        type: 'user.human.added',
        creationDate: new Date(start + index).toISOString(),
        payload: addedPayload(`overlap${index}@example.com`),
      });
    });
    const client = createZitadelClient({ apiUrl: api.url, pat: api.pat });
    const options = { client, checkpoint: 'reconciler', source: 'poll' as const, overlapMs: 0 };
    await syncEvents({ ...options, db: database.handle.db });
    // Each user's two events one after the other: consecutive segments write the same user.
    ids.forEach((userId, index) => {
      api.events.push(
        {
          userId,
          sequence: 2,
          type: 'user.human.email.verified',
          creationDate: new Date(start + 1000 * (index + 1)).toISOString(),
        },
        {
          userId,
          sequence: 3,
          type: 'user.human.profile.changed',
          creationDate: new Date(start + 1000 * (index + 1) + 1).toISOString(),
          payload: { firstName: `Renamed${index}` },
        },
      );
    });

    const db = database.handle.db;
    let opened = 0;
    const watched = new Proxy(db, {
      get(target, key, receiver) {
        if (key !== 'transaction') return Reflect.get(target, key, receiver);
        return (run: Parameters<typeof db.transaction>[0]) => {
          const first = opened++ === 0;
          return target.transaction(async (tx) => {
            if (first) {
              const [self] = (await tx.execute(sql`select pg_backend_pid() as pid`)) as unknown as {
                pid: number;
              }[];
              // Another session writing users while this one has not: the next segment went first.
              await waitUntil(
                'the next segment to lock users rows, or two seconds',
                async () => {
                  const [locks] = (await db.execute(sql`
                    select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
                    where c.relname = 'users' and l.mode = 'RowExclusiveLock' and l.pid <> ${self?.pid}`)) as unknown as {
                    n: number;
                  }[];
                  return (locks?.n ?? 0) > 0 || undefined;
                },
                { timeoutMs: 2000, intervalMs: 5 },
              ).catch(() => {});
            }
            return run(tx);
          });
        };
      },
    });

    const finished = syncEvents({ ...options, db: watched, pageSize: 2 });
    // Only a hang lasts this long; the case takes well under a second.
    const hung = pause(20_000).then(() => 'hung');
    expect(await Promise.race([finished.then(() => 'finished'), hung])).toBe('finished');
    const rows = await db.select().from(users);
    expect(rows.map((row) => [row.emailVerified, row.givenName]).sort()).toEqual([
      [true, 'Renamed0'],
      [true, 'Renamed1'],
    ]);
  });
});
