import { count } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { users } from '../../src/db/schema';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/observability/metrics';
import { readEventSegments } from '../../src/reconciler/read-event-segments';
import { createReconciler, type Reconciler } from '../../src/reconciler/reconciler';
import type { syncEvents } from '../../src/reconciler/sync-events';
import { createZitadelClient, type ReadEvent } from '../../src/zitadel-api/zitadel-client';
import { startFaultProxy } from './fault-proxy';
import { type LocalIdpProcess, startLocalIdpProcess } from './local-idp-process';
import type { TestDatabase } from './test-databases';

const FAST_RETRY = { attempts: 4, baseDelayMs: 20, maxDelayMs: 100 };

/**
 * The local identity provider as a process, a fault proxy in front of its Event API, and the
 * reconcilers a test starts, for the whole file: started before the first test; after each test
 * the proxy forgets its faults, the reconcilers stop and the test's database (a test sets
 * `database`) is dropped. The helpers read through the proxy or straight from the provider.
 */
export function syncFaultFixture() {
  const sync = {} as {
    idp: LocalIdpProcess;
    proxy: Awaited<ReturnType<typeof startFaultProxy>>;
    database: TestDatabase;
  };
  const reconcilers: Reconciler[] = [];

  beforeAll(async () => {
    sync.idp = await startLocalIdpProcess();
    sync.proxy = await startFaultProxy(sync.idp.url);
  });
  afterAll(async () => {
    await sync.proxy?.close();
    await sync.idp?.close();
  });
  afterEach(async () => {
    sync.proxy.clear();
    await Promise.all(reconcilers.splice(0).map((reconciler) => reconciler.stop()));
    await sync.database?.drop();
  });

  const backfillOptions = (overrides: Partial<Parameters<typeof syncEvents>[0]> = {}) => ({
    db: sync.database.handle.db,
    client: throughProxy(),
    checkpoint: 'backfill',
    source: 'backfill' as const,
    overlapMs: 1000,
    retry: FAST_RETRY,
    settleMs: 200,
    ...overrides,
  });

  const direct = () => createZitadelClient({ apiUrl: sync.idp.url, pat: sync.idp.pat });
  const throughProxy = (timeoutMs = 15_000) =>
    createZitadelClient({ apiUrl: sync.proxy.url, pat: sync.idp.pat, timeoutMs });

  /** Every handled event the identity provider has, read straight from it (not through the proxy). */
  async function allEvents(): Promise<ReadEvent[]> {
    const events: ReadEvent[] = [];
    for await (const segment of readEventSegments(direct(), { after: 0, settleMs: 200 })) {
      events.push(...segment.events);
    }
    return events;
  }

  async function userCount() {
    return (await sync.database.handle.db.select({ n: count() }).from(users))[0]?.n ?? 0;
  }

  function reconcilerFor(client = throughProxy(), logger = createLogger('silent')) {
    const metrics = createMetrics();
    const reconciler = createReconciler({
      database: sync.database.handle,
      client,
      intervalMs: 200,
      overlapMs: 1500,
      retry: FAST_RETRY,
      settleMs: 200,
      metrics,
      logger,
    });
    reconcilers.push(reconciler);
    return { reconciler, metrics };
  }

  return { sync, backfillOptions, direct, throughProxy, allEvents, userCount, reconcilerFor };
}
