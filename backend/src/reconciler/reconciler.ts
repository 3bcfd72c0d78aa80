import { eq, sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/open-database';
import { syncCheckpoints } from '../db/schema';
import type { Metrics } from '../http/metrics';
import type { Logger } from '../logger';
import type { EventApiClient } from './event-api-client';
import { syncEvents } from './sync-events';

// Any constant, the same in every replica.
export const RECONCILER_LOCK_ID = 0x6c6d7263; // "lmrc"

export interface ReconcilerOptions {
  database: DatabaseHandle;
  client: EventApiClient;
  intervalMs: number;
  overlapMs: number;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Polls the Event API and applies what webhooks missed (ZITADEL never retries a failed delivery).
 * Every replica runs one; only the holder of the advisory lock polls, and another replica takes
 * over within one interval when the leader's connection dies.
 */
export function createReconciler(options: ReconcilerOptions) {
  const lock = options.database.createLeaderLock(RECONCILER_LOCK_ID);
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let leader = false;

  async function tick() {
    const isLeader = await lock.tryAcquire();
    if (isLeader !== leader) {
      leader = isLeader;
      options.logger.info(
        { leader },
        leader ? 'reconciler leadership acquired' : 'reconciler is standing by',
      );
    }
    options.metrics.reconcilerLeader.set(leader ? 1 : 0);
    if (!leader) return;
    try {
      const progress = await syncEvents({
        db: options.database.db,
        client: options.client,
        checkpoint: 'reconciler',
        source: 'poll',
        overlapMs: options.overlapMs,
        metrics: options.metrics,
        signal: abort.signal,
      });
      if (progress.applied > 0) {
        options.logger.info({ ...progress }, 'reconciler applied events');
      }
      const [row] = await options.database.db
        .select({
          age: sql<number>`extract(epoch from now() - ${syncCheckpoints.position})::float8`,
        })
        .from(syncCheckpoints)
        .where(eq(syncCheckpoints.name, 'reconciler'));
      if (row) options.metrics.reconcilerCheckpointAge.set(row.age);
    } catch (error) {
      options.logger.warn({ err: error }, 'reconciler poll failed; retrying next interval');
    }
  }

  function schedule(delayMs: number) {
    if (abort.signal.aborted) return;
    timer = setTimeout(() => {
      running = tick().finally(() => {
        running = undefined;
        schedule(options.intervalMs);
      });
    }, delayMs);
  }

  return {
    start() {
      schedule(0);
    },
    /** One poll now, for tests and CLIs; no-op unless this process is the leader. */
    runOnce: () => tick(),
    isLeader: () => leader,
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await running;
      await lock.release();
      leader = false;
      options.metrics.reconcilerLeader.set(0);
    },
  };
}

export type Reconciler = ReturnType<typeof createReconciler>;
