import { readFileSync } from 'node:fs';
import { startTestEventApi } from '@liverty-music/test-support/fake-event-api';
import { listedHuman, TEST_ORG_ID } from '@liverty-music/test-support/fake-list-users';
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { identityEvents, pendingIdentityEvents, sweepRuns, users } from '../src/db/schema';
import { createLogger } from '../src/logger';
import { createMetrics, type Metrics } from '../src/observability/metrics';
import { createReconciler, type Reconciler } from '../src/reconciler/reconciler';
import { runSweep } from '../src/sweep/run-sweep';
import { createZitadelClient } from '../src/zitadel-api/zitadel-client';
import { backendUnderTest } from './support/backend-under-test';
import {
  createTestDatabase,
  type DatabaseKind,
  databaseKinds,
  type TestDatabase,
} from './support/test-databases';
import { addedPayload, newUserId, sign, webhookBody } from './support/zitadel-events';

type EventApi = Awaited<ReturnType<typeof startTestEventApi>>;

const FAST_RETRY = { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 };
const OTHER_ORG = '336392597046099999';

// RFC 3339 with microseconds, `msAgo` before now, like ZITADEL's creation dates.
const at = (msAgo: number, micros = 0) =>
  new Date(Date.now() - msAgo).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);

/** A signup as ZITADEL writes it: the event, and the user as ListUsers then shows it. */
function signUp(api: EventApi, options: { msAgo: number; orgId?: string; list?: boolean }) {
  const userId = newUserId();
  const email = `fan${userId}@example.com`;
  const creationDate = at(options.msAgo);
  api.events.push({
    userId,
    sequence: 1,
    type: 'user.human.added',
    creationDate,
    payload: addedPayload(email),
    ...(options.orgId ? { resourceOwner: options.orgId } : {}),
  });
  if (options.list !== false) {
    api.listed.push(
      listedHuman({
        userId,
        email,
        sequence: 1,
        creationDate,
        ...(options.orgId ? { orgId: options.orgId } : {}),
      }),
    );
  }
  return { userId, email };
}

describe.each(databaseKinds)('the sweep on %s', (kind: DatabaseKind) => {
  let database: TestDatabase;
  let api: EventApi;
  let metrics: Metrics;
  const reconcilers: Reconciler[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });
  afterEach(async () => {
    await Promise.all(reconcilers.splice(0).map((reconciler) => reconciler.stop()));
    await api?.close();
    for (const table of ['identity_events', 'pending_identity_events', 'sync_checkpoints'])
      await database.handle.db.execute(sql.raw(`delete from ${table}`));
    await database.handle.db.delete(sweepRuns);
    await database.handle.db.delete(users);
  });

  const row = async (userId: string) =>
    (await database.handle.db.select().from(users).where(eq(users.zitadelUserId, userId)))[0];
  const client = () => createZitadelClient({ apiUrl: api.url, pat: api.pat });
  const sweep = (pageSize = 2) =>
    runSweep({ db: database.handle.db, client: client(), pageSize, retry: FAST_RETRY, metrics });

  function reconciler() {
    metrics = createMetrics();
    const created = createReconciler({
      database: database.handle,
      client: client(),
      intervalMs: 60_000,
      overlapMs: 1000,
      retry: FAST_RETRY,
      settleMs: 0,
      metrics,
      logger: createLogger('silent'),
      sweepIntervalMs: 3_600_000,
      sweepPageSize: 2,
    });
    reconcilers.push(created);
    return created;
  }

  it('creates a user whose signup committed later than the overlap re-reads', async () => {
    api = await startTestEventApi();
    const early = signUp(api, { msAgo: 1000 });
    const sync = reconciler();
    await sync.runOnce();
    // No sweep had ever completed: the first poll starts one at once.
    expect((await sync.sweeping())?.outcome).toBe('complete');
    expect(sync.health().sweep?.lastCompleteAt).toEqual(expect.any(String));
    expect(await row(early.userId)).toMatchObject({ email: early.email });

    // Committed now, dated a minute before the checkpoint: far outside the 1 s overlap.
    const late = signUp(api, { msAgo: 60_000 });
    await sync.runOnce();
    expect(sync.sweeping()).toBeUndefined(); // the next sweep is an hour away
    expect(await row(late.userId)).toBeUndefined();

    const result = await sync.sweepNow();
    expect(result).toMatchObject({ outcome: 'complete', created: 1, removed: 0, listed: 2 });
    expect(await row(late.userId)).toMatchObject({ email: late.email, state: 'active' });
    const scraped = await metrics.registry.metrics();
    expect(scraped).toMatch(/liverty_sweep_runs_total\{outcome="complete"\} 2/);
    expect(scraped).toMatch(/liverty_sweep_users_total\{change="created"\} 1/);
    expect(scraped).toMatch(/liverty_sweep_duration_seconds_count 2/);
    const age = /^liverty_sweep_last_complete_age_seconds (\S+)$/m.exec(scraped)?.[1];
    expect(Number(age)).toBeGreaterThanOrEqual(0);
    expect(Number(age)).toBeLessThan(60);
  });

  it('removes the users of a removed organisation at once, and erases them', async () => {
    api = await startTestEventApi();
    const gone = [
      signUp(api, { msAgo: 9000, orgId: OTHER_ORG }),
      signUp(api, { msAgo: 8000, orgId: OTHER_ORG }),
    ];
    const kept = signUp(api, { msAgo: 7000 });
    const sync = reconciler();
    await sync.runOnce();
    await sync.sweeping();
    expect(await row(gone[0]?.userId ?? '')).toMatchObject({ orgId: OTHER_ORG, state: 'active' });

    // ZITADEL: one `org.removed` on the org aggregate, no event per user, and ListUsers drops them.
    api.events.push({
      userId: OTHER_ORG,
      aggregateType: 'org',
      resourceOwner: OTHER_ORG,
      sequence: 7,
      type: 'org.removed',
      creationDate: at(100),
      payload: { name: 'Fan club' },
    });
    api.listed.splice(0, 2);
    await sync.runOnce();
    for (const user of gone) {
      expect(await row(user.userId)).toMatchObject({
        state: 'removed',
        email: null,
        givenName: '',
        familyName: '',
        displayName: '',
      });
      const logged = await database.handle.db
        .select()
        .from(identityEvents)
        .where(eq(identityEvents.aggregateId, user.userId));
      expect(JSON.stringify(logged.map((event) => event.payload))).not.toContain(user.email);
    }
    expect(await row(kept.userId)).toMatchObject({ state: 'active', email: kept.email });
    // A late event about a removed user cannot bring the name back.
    api.events.push({
      userId: gone[0]?.userId ?? '',
      sequence: 2,
      type: 'user.human.profile.changed',
      creationDate: at(50),
      payload: { firstName: 'Back' },
    });
    await sync.runOnce();
    expect(await row(gone[0]?.userId ?? '')).toMatchObject({ givenName: '', state: 'removed' });
  });

  it('removes nobody while ListUsers fails, and says so', async () => {
    api = await startTestEventApi();
    const user = signUp(api, { msAgo: 5000, list: false });
    const sync = reconciler();
    await sync.runOnce();
    await sync.sweeping();
    // ListUsers listed nobody, completely: the user is gone from ZITADEL.
    expect(await row(user.userId)).toMatchObject({ state: 'removed' });

    const other = signUp(api, { msAgo: 4000, list: false });
    await sync.runOnce();
    expect(await row(other.userId)).toMatchObject({ state: 'active' });
    api.listUsersFaults.failures = 100; // an outage: every call answers 503
    const result = await sync.sweepNow();
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/503/);
    expect(await row(other.userId)).toMatchObject({ state: 'active', email: other.email });
    expect(sync.health().sweep?.lastRun).toMatchObject({ outcome: 'failed' });
    expect(await metrics.registry.metrics()).toMatch(
      /liverty_sweep_runs_total\{outcome="failed"\} 1/,
    );
  });

  it('removes nobody when the listing holds fewer users than totalResult', async () => {
    api = await startTestEventApi();
    const listedUsers = [0, 1, 2, 3, 4].map((i) => signUp(api, { msAgo: 9000 - i * 100 }));
    const unlisted = signUp(api, { msAgo: 5000, list: false });
    metrics = createMetrics();
    await runSweep({ db: database.handle.db, client: client(), pageSize: 2, metrics });
    // The events would create it; here the sweep alone runs, so it never existed: write it.
    await database.handle.db.insert(users).values({
      zitadelUserId: unlisted.userId,
      email: unlisted.email,
    });

    // ZITADEL counts one user more than its pages hold.
    api.listUsersFaults.extraTotal = 1;
    const short = await sweep();
    expect(short).toMatchObject({ outcome: 'incomplete', removed: 0, listed: 5, totalResult: 6 });
    // Its last page (offset 4, limit 2) holds one user where six were reported.
    expect(short.reason).toMatch(/the page at offset 4 held 1 users while 6 were reported/);
    expect(await row(unlisted.userId)).toMatchObject({ state: 'active' });

    // A page cut short (4 of 5 listed, totalResult 5 as it should be).
    api.listUsersFaults.extraTotal = 0;
    api.listUsersFaults.cutPagesFrom = 2;
    const cut = await sweep();
    expect(cut).toMatchObject({ outcome: 'incomplete', removed: 0 });
    expect(cut.reason).toMatch(/held 1 users while 5 were reported/);
    expect(await row(unlisted.userId)).toMatchObject({ state: 'active' });

    // Duplicates across pages (ties without a tie-breaker) make the distinct count short too.
    delete api.listUsersFaults.cutPagesFrom;
    const [first] = api.listed;
    if (first) api.listed.push(first);
    const duplicated = await sweep();
    expect(duplicated).toMatchObject({ outcome: 'incomplete', removed: 0 });
    api.listed.pop();

    // The complete answer removes it, and no other.
    const complete = await sweep();
    expect(complete).toMatchObject({ outcome: 'complete', removed: 1, listed: 5 });
    expect(await row(unlisted.userId)).toMatchObject({ state: 'removed', email: null });
    for (const user of listedUsers) {
      expect(await row(user.userId)).toMatchObject({ state: 'active', email: user.email });
    }
    expect(await metrics.registry.metrics()).toMatch(
      /liverty_sweep_runs_total\{outcome="incomplete"\} 3/,
    );
  });

  it('never removes a user created after the listing began, nor one ListUsers still has', async () => {
    api = await startTestEventApi();
    signUp(api, { msAgo: 9000 });
    // A row newer than any listing that could start now (as if created while one ran).
    const newer = newUserId();
    await database.handle.db.insert(users).values({
      zitadelUserId: newer,
      email: 'new@example.com',
      createdAt: sql`now() + interval '1 hour'`,
    });
    // A user the offset pages skipped (its neighbour was removed mid-listing) but ListUsers has:
    // the id check finds it, and it is written rather than removed.
    const skipped = signUp(api, { msAgo: 8000 });
    await database.handle.db.insert(users).values({ zitadelUserId: skipped.userId, email: null });
    const hidden = api.listed.pop();
    const original = api.listed;
    const result = await runSweep({
      db: database.handle.db,
      client: {
        ...client(),
        // The paged listing misses it; a query by id finds it.
        listUserPage: (request, signal) => {
          if (hidden && !request.queries?.some((query) => query.inUserIdsQuery)) {
            return client().listUserPage(request, signal);
          }
          original.push(hidden as never);
          return client()
            .listUserPage(request, signal)
            .finally(() => original.pop());
        },
      },
      pageSize: 2,
    });
    expect(result).toMatchObject({ outcome: 'complete', removed: 0, updated: 1 });
    expect(await row(newer)).toMatchObject({ state: 'active' });
    expect(await row(skipped.userId)).toMatchObject({ state: 'active', email: skipped.email });
  });

  it("removes machine users' rows left by earlier versions (migration 0003, written out)", async () => {
    const machine = newUserId();
    const human = newUserId();
    const lazy = newUserId();
    const db = database.handle.db;
    // An earlier version's row for a machine user: made by `user.deactivated`, no human event.
    await db.insert(users).values({ zitadelUserId: machine, state: 'inactive' });
    await db.insert(identityEvents).values({
      aggregateType: 'user',
      aggregateId: machine,
      sequence: 3,
      eventType: 'user.deactivated',
      eventTime: new Date(),
      source: 'webhook',
      payload: {},
    });
    // A human with no email scope, created by GetOrCreate (claimed): stays.
    await db.insert(users).values({ zitadelUserId: lazy, claimId: crypto.randomUUID() });
    // A human created by events with an emptied payload (retention): stays.
    await db.insert(users).values({ zitadelUserId: human });
    await db.insert(identityEvents).values({
      aggregateType: 'user',
      aggregateId: human,
      sequence: 1,
      eventType: 'user.human.added',
      eventTime: new Date(),
      source: 'poll',
      payload: {},
    });
    const migration = readFileSync(
      new URL('../drizzle/0003_sync_sweep.sql', import.meta.url),
      'utf8',
    );
    const deletes = migration
      .split('--> statement-breakpoint')
      .filter((statement) => /^\s*(--.*\n\s*)*DELETE/i.test(statement));
    expect(deletes).toHaveLength(2);
    for (const statement of deletes) await db.execute(sql.raw(statement));
    expect(await row(machine)).toBeUndefined();
    expect(
      await db.select().from(identityEvents).where(eq(identityEvents.aggregateId, machine)),
    ).toEqual([]);
    expect(await row(human)).toBeDefined();
    expect(await row(lazy)).toBeDefined();
  });

  it('keeps a state event that arrives before its user, and applies it when the user appears', async () => {
    api = await startTestEventApi();
    const user = signUp(api, { msAgo: 5000 });
    // The state event's own sequence (2) is newer than the signup's (1).
    const { applyIdentityEvent } = await import('../src/provisioning/apply-identity-event');
    const deactivated = {
      aggregateType: 'user',
      aggregateId: user.userId,
      sequence: 2,
      eventType: 'user.deactivated',
      resourceOwner: TEST_ORG_ID,
      createdAt: at(4000, 123),
      payload: {},
    };
    expect((await applyIdentityEvent(database.handle.db, deactivated, 'poll')).outcome).toBe(
      'pending',
    );
    expect(await row(user.userId)).toBeUndefined();
    // A machine user's state event looks the same; ListUsers never lists it as a human.
    const machine = { ...deactivated, aggregateId: newUserId() };
    expect((await applyIdentityEvent(database.handle.db, machine, 'poll')).outcome).toBe('pending');
    // The sweep creates the user (from an older listing, sequence 1) and applies what was kept.
    const result = await sweep();
    expect(result.outcome).toBe('complete');
    expect(await row(user.userId)).toMatchObject({ state: 'inactive', email: user.email });
    // Adopted, and the machine's dropped: nothing kept is left after a complete sweep.
    expect(await database.handle.db.select().from(pendingIdentityEvents)).toEqual([]);
    expect(await row(machine.aggregateId)).toBeUndefined();
  });
});

describe.each(databaseKinds)('webhook-only (reconciler off) on %s', (kind: DatabaseKind) => {
  const KEY = 'sweep-test-signing-key';
  const backend = backendUnderTest({ kind, server: { webhookSigningKeys: [KEY] } });
  const deliver = async (body: string) => {
    const response = await fetch(`${backend.server.baseUrl}/webhooks/zitadel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'zitadel-signature': sign(body, KEY) },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const row = async (userId: string) =>
    (
      await backend.database.handle.db.select().from(users).where(eq(users.zitadelUserId, userId))
    )[0];

  it('keeps a state event delivered before the signup, and applies it with the signup', async () => {
    const userId = newUserId();
    const locked = webhookBody({ userId, sequence: 3, eventType: 'user.locked' });
    expect(await deliver(locked)).toEqual({ status: 200, body: { outcome: 'pending' } });
    expect(await deliver(locked)).toEqual({ status: 200, body: { outcome: 'pending' } });
    expect(await row(userId)).toBeUndefined();
    const added = webhookBody({
      userId,
      sequence: 1,
      eventType: 'user.human.added',
      payload: addedPayload('early@example.com'),
    });
    expect((await deliver(added)).body).toEqual({ outcome: 'applied' });
    expect(await row(userId)).toMatchObject({ state: 'locked', email: 'early@example.com' });
    const logged = await backend.database.handle.db
      .select()
      .from(identityEvents)
      .where(eq(identityEvents.aggregateId, userId));
    expect(logged.map((event) => event.eventType).sort()).toEqual([
      'user.human.added',
      'user.locked',
    ]);
  });

  it('accepts org.removed: every user of the organisation is removed and erased', async () => {
    const org = '336392597046555555';
    const userId = newUserId();
    const added = JSON.parse(
      webhookBody({
        userId,
        sequence: 1,
        eventType: 'user.human.added',
        payload: addedPayload('member@example.com'),
      }),
    ) as Record<string, unknown>;
    expect((await deliver(JSON.stringify({ ...added, resourceOwner: org }))).status).toBe(200);
    const removal = JSON.stringify({
      aggregateID: org,
      aggregateType: 'org',
      resourceOwner: org,
      sequence: 9,
      event_type: 'org.removed',
      created_at: new Date().toISOString(),
      event_payload: { name: 'Fan club' },
    });
    expect(await deliver(removal)).toEqual({
      status: 200,
      body: { outcome: 'applied', usersRemoved: 1 },
    });
    expect(await row(userId)).toMatchObject({ state: 'removed', email: null, displayName: '' });
    // A redelivery removes nobody more and fails nothing.
    expect((await deliver(removal)).body).toEqual({ outcome: 'applied', usersRemoved: 0 });
  });
});
