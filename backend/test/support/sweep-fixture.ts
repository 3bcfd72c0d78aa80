import type { startTestEventApi } from '@liverty-music/test-support/fake-event-api';
import { listedHuman } from '@liverty-music/test-support/fake-list-users';
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { sweepRuns, users } from '../../src/db/schema';
import { createLogger } from '../../src/logger';
import { createMetrics, type Metrics } from '../../src/observability/metrics';
import { createReconciler, type Reconciler } from '../../src/reconciler/reconciler';
import { runSweep } from '../../src/sweep/run-sweep';
import { createZitadelClient } from '../../src/zitadel-api/zitadel-client';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './test-databases';
import { addedPayload, newUserId } from './zitadel-events';

export type EventApi = Awaited<ReturnType<typeof startTestEventApi>>;

const FAST_RETRY = { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 };

// RFC 3339 with microseconds, `msAgo` before now, like ZITADEL's creation dates.
export const at = (msAgo: number, micros = 0) =>
  new Date(Date.now() - msAgo).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);

/** A signup as ZITADEL writes it: the event, and the user as ListUsers then shows it. */
export function signUp(api: EventApi, options: { msAgo: number; orgId?: string; list?: boolean }) {
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

/**
 * A fresh database of that kind for the enclosing describe block, emptied after each test, where
 * the test's Event API fake (`env.api`, a test starts it) is closed and its reconcilers stopped.
 * `sweep` runs one sweep against the fake; `reconciler` makes one whose sweep is an hour apart.
 */
export function sweepFixture(kind: DatabaseKind) {
  const env = {} as { database: TestDatabase; api: EventApi; metrics: Metrics };
  const reconcilers: Reconciler[] = [];

  beforeAll(async () => {
    env.database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await env.database?.drop();
  });
  afterEach(async () => {
    await Promise.all(reconcilers.splice(0).map((reconciler) => reconciler.stop()));
    await env.api?.close();
    for (const table of ['identity_events', 'pending_identity_events', 'sync_checkpoints'])
      await env.database.handle.db.execute(sql.raw(`delete from ${table}`));
    await env.database.handle.db.delete(sweepRuns);
    await env.database.handle.db.delete(users);
  });

  const row = async (userId: string) =>
    (await env.database.handle.db.select().from(users).where(eq(users.zitadelUserId, userId)))[0];
  const client = () => createZitadelClient({ apiUrl: env.api.url, pat: env.api.pat });
  const sweep = (pageSize = 2) =>
    runSweep({
      db: env.database.handle.db,
      client: client(),
      pageSize,
      retry: FAST_RETRY,
      metrics: env.metrics,
    });

  function reconciler() {
    env.metrics = createMetrics();
    const created = createReconciler({
      database: env.database.handle,
      client: client(),
      intervalMs: 60_000,
      overlapMs: 1000,
      retry: FAST_RETRY,
      settleMs: 0,
      metrics: env.metrics,
      logger: createLogger('silent'),
      sweepIntervalMs: 3_600_000,
      sweepPageSize: 2,
    });
    reconcilers.push(created);
    return created;
  }

  return { env, row, client, sweep, reconciler };
}
