import { startTestEventApi } from '@liverty-music/test-support/fake-event-api';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { identityEvents, syncCheckpoints, users } from '../src/db/schema';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/observability/metrics';
import {
  createReconciler,
  RECONCILER_LOCK_ID,
  type Reconciler,
} from '../src/reconciler/reconciler';
import { syncEvents } from '../src/reconciler/sync-events';
import { createZitadelClient, ZitadelApiError } from '../src/zitadel-api/zitadel-client';
import { createTestDatabase, type TestDatabase } from './support/test-databases';
import { addedPayload, newUserId } from './support/zitadel-events';

type EventApi = Awaited<ReturnType<typeof startTestEventApi>>;

const NO_RETRY = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 };

function seedSignups(api: EventApi, howMany: number, start = Date.now() - 60_000) {
  const ids: string[] = [];
  for (let i = 0; i < howMany; i++) {
    const userId = newUserId();
    ids.push(userId);
    api.events.push({
      userId,
      sequence: 1,
      type: 'user.human.added',
      // Distinct microsecond timestamps, like ZITADEL's creation dates.
      creationDate: new Date(start + i * 10)
        .toISOString()
        .replace('Z', `${String(i % 1000).padStart(3, '0')}Z`),
      payload: addedPayload(`fan${userId}@example.com`),
    });
  }
  return ids;
}

describe('the Event API reconciler', () => {
  let database: TestDatabase;
  let api: EventApi;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.drop();
  });
  afterEach(async () => {
    await api?.close();
    await database.handle.db.delete(identityEvents);
    await database.handle.db.delete(syncCheckpoints);
    await database.handle.db.delete(users);
  });

  const counts = async () => ({
    users: (await database.handle.db.select({ n: count() }).from(users))[0]?.n,
    events: (await database.handle.db.select({ n: count() }).from(identityEvents))[0]?.n,
  });

  it('applies every page, stores its checkpoint, and a second run adds nothing', async () => {
    api = await startTestEventApi();
    seedSignups(api, 7);
    const client = createZitadelClient({ apiUrl: api.url, pat: api.pat });
    const options = {
      db: database.handle.db,
      client,
      checkpoint: 'reconciler',
      source: 'poll' as const,
      overlapMs: 5,
      pageSize: 3,
    };

    const first = await syncEvents(options);
    expect(first.applied).toBe(7);
    expect(await counts()).toEqual({ users: 7, events: 7 });
    expect(api.requests[0]).toMatchObject({ asc: true, limit: 3, aggregateTypes: ['user'] });
    expect(api.requests[0]?.eventTypes).toContain('user.human.added');

    const second = await syncEvents(options);
    expect(second.applied).toBe(0);
    expect(await counts()).toEqual({ users: 7, events: 7 });
    const [checkpoint] = await database.handle.db.select().from(syncCheckpoints);
    expect(checkpoint?.eventsApplied).toBe(7);
  });

  // The embedded database has one connection, shared by the sync and everything else.
  it('applies every segment on PGlite too', async () => {
    api = await startTestEventApi();
    seedSignups(api, 10);
    const embedded = await createTestDatabase('pglite');
    try {
      const progress = await syncEvents({
        db: embedded.handle.db,
        client: createZitadelClient({ apiUrl: api.url, pat: api.pat }),
        checkpoint: 'reconciler',
        source: 'poll',
        overlapMs: 5,
        pageSize: 2,
      });
      expect(progress).toMatchObject({ applied: 10, usersCreated: 10, caughtUp: true });
      expect(progress.segments).toBeGreaterThanOrEqual(5);
      const [row] = await embedded.handle.db.select({ n: count() }).from(users);
      expect(row?.n).toBe(10);
    } finally {
      await embedded.drop();
    }
  });

  it('resumes from its checkpoint after dying mid-run: no loss, no duplicate', async () => {
    api = await startTestEventApi();
    const ids = seedSignups(api, 10);
    const client = createZitadelClient({ apiUrl: api.url, pat: api.pat });
    const options = {
      db: database.handle.db,
      client,
      checkpoint: 'reconciler',
      source: 'poll' as const,
      overlapMs: 5,
      pageSize: 3,
    };

    api.failOn(2); // the third page request dies, and is not tried again
    await expect(syncEvents({ ...options, retry: NO_RETRY })).rejects.toBeInstanceOf(
      ZitadelApiError,
    );
    // Two pages committed (the overlap re-reads a little, which the log de-duplicates); the third
    // left nothing behind.
    const partial = await counts();
    expect(partial.users).toBeGreaterThan(0);
    expect(partial.users).toBeLessThan(10);
    expect(partial.events).toBe(partial.users);

    await syncEvents(options);
    expect(await counts()).toEqual({ users: 10, events: 10 });
    for (const id of ids) {
      expect(
        await database.handle.db.select().from(users).where(eq(users.zitadelUserId, id)),
      ).toHaveLength(1);
    }
  });

  it('rolls a page back whole when the database refuses part of it', async () => {
    api = await startTestEventApi();
    seedSignups(api, 4);
    const [, poisoned] = api.events;
    if (!poisoned) throw new Error('seed failed');
    poisoned.payload = addedPayload('refused@example.com');
    // The database itself fails while the page is being written (a trigger standing in for a
    // constraint, a full disk, a killed session): nothing of the page, nor its checkpoint, stays.
    await database.handle.db.execute(sql`
      create or replace function refuse_poisoned_user() returns trigger language plpgsql as $$
      begin
        if new.email = 'refused@example.com' then raise exception 'refused by test trigger'; end if;
        return new;
      end $$`);
    await database.handle.db.execute(
      sql`create trigger refuse_poisoned before insert on users for each row execute function refuse_poisoned_user()`,
    );
    try {
      const client = createZitadelClient({ apiUrl: api.url, pat: api.pat });
      const options = {
        db: database.handle.db,
        client,
        checkpoint: 'reconciler',
        source: 'poll' as const,
        overlapMs: 0,
        pageSize: 10,
      };
      await expect(syncEvents(options)).rejects.toThrow();
      expect(await counts()).toEqual({ users: 0, events: 0 });
      expect(await database.handle.db.select().from(syncCheckpoints)).toHaveLength(0);
    } finally {
      await database.handle.db.execute(sql`drop trigger refuse_poisoned on users`);
      await database.handle.db.execute(sql`drop function refuse_poisoned_user()`);
    }
  });

  it("reports a wrong PAT with ZITADEL's message", async () => {
    api = await startTestEventApi('right-pat');
    const client = createZitadelClient({ apiUrl: api.url, pat: 'wrong-pat' });
    await expect(client.listEvents({ asc: true, eventTypes: [], limit: 10 })).rejects.toThrow(
      /HTTP 401: Errors.Token.Invalid/,
    );
  });

  describe('leadership', () => {
    const reconcilers: Reconciler[] = [];
    afterEach(async () => {
      await Promise.all(reconcilers.splice(0).map((reconciler) => reconciler.stop()));
    });

    function reconcilerOn(url: string) {
      const reconciler = createReconciler({
        database: database.handle,
        client: createZitadelClient({ apiUrl: url, pat: 'test-pat' }),
        intervalMs: 60_000,
        overlapMs: 5,
        metrics: createMetrics(),
        logger: createLogger('silent'),
      });
      reconcilers.push(reconciler);
      return reconciler;
    }

    it('lets exactly one of two reconcilers poll, and the other take over when it dies', async () => {
      api = await startTestEventApi();
      seedSignups(api, 3);
      const a = reconcilerOn(api.url);
      const b = reconcilerOn(api.url);
      await a.runOnce();
      await b.runOnce();
      expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
      expect(api.requests.length).toBeGreaterThan(0);
      expect(await counts()).toEqual({ users: 3, events: 3 });

      // The leader's database session dies (crash, network): Postgres frees its lock.
      const requestsBefore = api.requests.length;
      await database.handle.db.execute(
        sql`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and objid = ${RECONCILER_LOCK_ID}`,
      );
      // pg_terminate_backend only signals; wait until the dead session's lock is really gone.
      await expect
        .poll(async () => {
          const result = await database.handle.db.execute(
            sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = ${RECONCILER_LOCK_ID}`,
          );
          return (result as unknown as { n: number }[])[0]?.n;
        })
        .toBe(0);
      await b.runOnce(); // the lock is free: the standby takes over
      await a.runOnce(); // notices its session (and lock) is gone, and stands by
      expect(b.isLeader()).toBe(true);
      expect(a.isLeader()).toBe(false);
      expect(api.requests.length).toBeGreaterThan(requestsBefore);
    });
  });
});
