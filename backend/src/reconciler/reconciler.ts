import type { DatabaseHandle } from '../db/open-database';
import type { Logger } from '../logger';
import type { Metrics } from '../observability/metrics';
import { HANDLED_EVENT_TYPES } from '../provisioning/identity-event';
import { runSweep, type SweepResult } from '../sweep/run-sweep';
import { lastCompleteSweep } from '../sweep/sweep-runs';
import { formatMicros, type Micros } from '../zitadel-api/event-instant';
import type { RetryPolicy } from '../zitadel-api/retry-zitadel-calls';
import type { ZitadelClient } from '../zitadel-api/zitadel-client';
import { describeSyncFailure, type SyncFailureCategory } from './describe-sync-failure';
import { syncOrgRemovals } from './read-org-removals';
import { readCheckpoint, syncEvents } from './sync-events';

// Any constant, the same in every replica.
export const RECONCILER_LOCK_ID = 0x6c6d7263; // "lmrc"

export interface ReconcilerOptions {
  database: DatabaseHandle;
  client: ZitadelClient;
  intervalMs: number;
  overlapMs: number;
  /** Health turns to `lagging` when the checkpoint is this old while newer events exist. */
  maxLagMs?: number;
  retry?: RetryPolicy;
  settleMs?: number;
  metrics: Metrics;
  logger: Logger;
  /**
   * RECONCILER_SWEEP_INTERVAL_MS: the leader lists every user through ListUsers this often, and at
   * start-up when the last complete sweep is older (docs/decisions/032). 0 or unset: no sweep.
   */
  sweepIntervalMs?: number;
  sweepPageSize?: number;
}

// An incomplete or failed sweep is tried again this soon (or at the interval, if shorter).
const SWEEP_RETRY_MS = 5 * 60_000;

export type SyncHealthStatus = 'starting' | 'ok' | 'lagging' | 'failing' | 'standby';

/** What `GET /sync/health` reports. */
export interface SyncHealth {
  status: SyncHealthStatus;
  leader: boolean;
  /** Every event created at or before this instant is applied. */
  checkpoint: string | null;
  /** 0 when caught up; otherwise seconds since the checkpoint instant. */
  checkpointAgeSeconds: number;
  lastSuccessAt: string | null;
  consecutiveFailures: number;
  /**
   * The last poll's failure as a category only: this is served on the public port. The error's
   * own text (hosts, SQL, driver messages) and the advice are in the log line of the failure.
   */
  lastError: { reason: string; category: SyncFailureCategory; at: string } | null;
  /** The sweep (null while it is off): when the last complete one finished, and the last run. */
  sweep: {
    lastCompleteAt: string | null;
    lastRun: { outcome: SweepResult['outcome']; at: string; reason: string | null } | null;
  } | null;
}

/**
 * Polls the Event API and applies what webhooks missed (ZITADEL never retries a failed delivery).
 * Every replica runs one; only the holder of the advisory lock polls, and another replica takes
 * over within one interval when the leader's connection dies. A poll that fails is never quiet:
 * it logs an error, counts it in `liverty_reconciler_failures_total`, and `GET /sync/health`
 * answers 503 until a poll succeeds.
 */
export function createReconciler(options: ReconcilerOptions) {
  const lock = options.database.createLeaderLock(RECONCILER_LOCK_ID);
  const abort = new AbortController();
  const maxLagMs = options.maxLagMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let leader = false;
  const health: SyncHealth = {
    status: 'starting',
    leader: false,
    checkpoint: null,
    checkpointAgeSeconds: 0,
    lastSuccessAt: null,
    consecutiveFailures: 0,
    lastError: null,
    sweep: options.sweepIntervalMs ? { lastCompleteAt: null, lastRun: null } : null,
  };
  let sweeping: Promise<SweepResult> | undefined;
  let nextSweepAt: number | undefined;
  if (options.sweepIntervalMs) {
    options.metrics.reportSweepsFrom(() => lastCompleteSweep(options.database.db));
  }

  function sweepNow(): Promise<SweepResult> {
    sweeping ??= runSweep({
      db: options.database.db,
      client: options.client,
      ...(options.sweepPageSize ? { pageSize: options.sweepPageSize } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      metrics: options.metrics,
      logger: options.logger,
      signal: abort.signal,
    })
      .then((result) => {
        const at = new Date().toISOString();
        const interval = options.sweepIntervalMs ?? 0;
        if (health.sweep) {
          health.sweep.lastRun = { outcome: result.outcome, at, reason: result.reason ?? null };
          if (result.outcome === 'complete') health.sweep.lastCompleteAt = at;
        }
        nextSweepAt =
          Date.now() +
          (result.outcome === 'complete' ? interval : Math.min(interval, SWEEP_RETRY_MS));
        const { runId, outcome, listed, created, updated, removed, totalResult, reason } = result;
        options.logger[outcome === 'complete' ? 'info' : 'warn'](
          { runId, listed, totalResult, created, updated, removed, reason },
          `sweep ${outcome}`,
        );
        return result;
      })
      .finally(() => {
        sweeping = undefined;
      });
    return sweeping;
  }

  // The first time this process leads, the sweep is due at once if the last complete one is older
  // than the interval (a gap while no replica ran), else an interval after it.
  async function sweepIfDue() {
    const interval = options.sweepIntervalMs;
    if (!interval || sweeping || abort.signal.aborted) return;
    if (nextSweepAt === undefined) {
      const last = await lastCompleteSweep(options.database.db).catch(() => undefined);
      if (health.sweep) health.sweep.lastCompleteAt = last?.toISOString() ?? null;
      nextSweepAt = last ? last.getTime() + interval : Date.now();
    }
    if (Date.now() >= nextSweepAt) void sweepNow();
  }

  // No checkpoint yet while events exist: nothing is applied, the age counts from the epoch.
  function setAge(checkpoint: Micros | undefined, newerExist: boolean) {
    health.checkpoint = checkpoint === undefined ? null : formatMicros(checkpoint);
    const age = newerExist ? Math.max(0, Date.now() / 1000 - (checkpoint ?? 0) / 1e6) : 0;
    health.checkpointAgeSeconds = age;
    options.metrics.reconcilerCheckpointAge.set(age);
  }

  // After a failure: are there events past the checkpoint? Unknown counts as yes.
  async function newerEventsExist(checkpoint: Micros | undefined): Promise<boolean> {
    try {
      const events = await options.client.listEvents(
        { asc: true, after: checkpoint ?? 0, eventTypes: HANDLED_EVENT_TYPES, limit: 1 },
        abort.signal,
      );
      return events.length > 0;
    } catch {
      return true;
    }
  }

  async function tick() {
    const isLeader = await lock.tryAcquire().catch(() => false);
    if (isLeader !== leader) {
      leader = isLeader;
      options.logger.info(
        { leader },
        leader ? 'reconciler leadership acquired' : 'reconciler is standing by',
      );
    }
    health.leader = leader;
    options.metrics.reconcilerLeader.set(leader ? 1 : 0);
    if (!leader) {
      health.status = 'standby';
      return;
    }
    try {
      const progress = await syncEvents({
        db: options.database.db,
        client: options.client,
        checkpoint: 'reconciler',
        source: 'poll',
        overlapMs: options.overlapMs,
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
        metrics: options.metrics,
        signal: abort.signal,
        onRetry: (error, attempt) =>
          options.logger.warn({ err: error, attempt }, 'ZITADEL call failed; retrying'),
        onSegment: (_progress, segment) => {
          // A long catch-up reports as it goes: the checkpoint moves, newer events exist.
          setAge(segment.through, !segment.caughtUp);
          if (segment.dense) {
            options.logger.info(
              { instant: formatMicros(segment.through), ...segment.dense },
              'reconciler read an instant holding a full page or more',
            );
          }
        },
      });
      if (abort.signal.aborted) return;
      await syncOrgRemovals({
        db: options.database.db,
        client: options.client,
        overlapMs: options.overlapMs,
        ...(options.retry ? { retry: options.retry } : {}),
        logger: options.logger,
        signal: abort.signal,
      });
      if (progress.applied > 0 || progress.snapshots > 0) {
        options.logger.info({ ...progress }, 'reconciler applied events');
      }
      setAge(await readCheckpoint(options.database.db, 'reconciler'), false);
      health.status = 'ok';
      health.lastSuccessAt = new Date().toISOString();
      health.consecutiveFailures = 0;
    } catch (error) {
      if (abort.signal.aborted) return;
      const failure = describeSyncFailure(error);
      health.consecutiveFailures++;
      health.lastError = {
        reason: failure.reason,
        category: failure.category,
        at: new Date().toISOString(),
      };
      health.status = 'failing';
      options.metrics.reconcilerFailures.inc({ reason: failure.reason });
      options.logger.error(
        {
          err: error,
          reason: failure.reason,
          category: failure.category,
          checkpoint: health.checkpoint,
          consecutiveFailures: health.consecutiveFailures,
        },
        `reconciler poll failed: ${failure.advice}`,
      );
      const checkpoint = await readCheckpoint(options.database.db, 'reconciler').catch(
        () => undefined,
      );
      setAge(checkpoint, await newerEventsExist(checkpoint));
    }
    if (health.status === 'ok' && health.checkpointAgeSeconds * 1000 > maxLagMs) {
      health.status = 'lagging';
    }
    await sweepIfDue();
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
    /** One sweep now (waits for the one running, if any); for `sync:drift --repair` and tests. */
    sweepNow,
    /** The sweep started by the last poll, if one is running. */
    sweeping: () => sweeping,
    isLeader: () => leader,
    /** The sync's health, as `GET /sync/health` reports it. */
    health: (): SyncHealth => ({
      ...health,
      lastError: health.lastError && { ...health.lastError },
      sweep: health.sweep && { ...health.sweep },
    }),
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await running;
      await sweeping;
      await lock.release();
      leader = false;
      options.metrics.reconcilerLeader.set(0);
    },
  };
}

export type Reconciler = ReturnType<typeof createReconciler>;
