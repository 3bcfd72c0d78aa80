import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../src/db/open-database';
import { createReturningUserCache } from '../src/user/returning-user-cache';
import { insertReturningUser, listeningCache } from './support/listening-cache';
import { createTestDatabase, type TestDatabase } from './support/test-databases';

// Notifications sent while the listening connection is down are lost, so when it listens again
// the cache cannot tell what changed meanwhile: it forgets every row, and refuses every read that
// began before. Postgres only: PGlite listens in process and never loses its session.
describe('returning-user cache after its listening connection is lost', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('forgets every row and refuses reads begun before, once it listens again', async () => {
    const cache = await listeningCache(database.handle);
    const user = await insertReturningUser(database.handle);
    cache.remember(user, cache.beginRead());
    const inFlight = cache.beginRead();

    // What a failover or an idle-connection reaper does to the listening session.
    const [ended] = await database.handle.query<{ ended: number }>(
      `select count(pg_terminate_backend(pid))::int as ended from pg_stat_activity
        where datname = current_database() and query ilike 'listen %'`,
      [],
    );
    expect(ended?.ended).toBe(1);
    // The clock stands still and nothing was announced: only listening again can do this.
    await vi.waitFor(() => expect(cache.get(user.zitadelUserId)).toBeUndefined(), {
      timeout: 10_000,
    });
    cache.remember(user, inFlight);
    expect(cache.get(user.zitadelUserId)).toBeUndefined();
    // Reads begun now are kept again.
    cache.remember(user, cache.beginRead());
    expect(cache.get(user.zitadelUserId)).toBeDefined();
  });
});

// Without LISTEN the cache would never hear of a change: it keeps nothing, and says why once.
describe('returning-user cache that cannot listen', () => {
  it('keeps no row and logs a warning', async () => {
    const lines: { level: number; err?: { code?: string } }[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );
    // Port 1 on loopback: nothing listens, so the LISTEN connection is refused.
    const unreachable = await openDatabase({
      url: 'postgres://postgres@127.0.0.1:1/none',
      pgliteDir: 'unused',
    });
    try {
      const cache = createReturningUserCache({ database: unreachable, logger, maxAgeMs: 30_000 });
      await vi.waitFor(() => expect(lines).toHaveLength(1));
      expect(lines[0]).toMatchObject({ level: 40, err: { code: 'ECONNREFUSED' } });
      const database = await createTestDatabase('postgres');
      try {
        const user = await insertReturningUser(database.handle);
        cache.remember(user, cache.beginRead());
        expect(cache.get(user.zitadelUserId)).toBeUndefined();
      } finally {
        await database.drop();
      }
    } finally {
      await unreachable.close();
    }
  });
});
