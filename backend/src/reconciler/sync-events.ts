import { eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { type EventSource, syncCheckpoints, users } from '../db/schema';
import type { Metrics } from '../observability/metrics';
import { adoptPendingEvents, applyIdentityEvents } from '../provisioning/apply-identity-event';
import { type UserFieldWrite, upsertUserFields } from '../provisioning/upsert-user-fields';
import { FIELD_COLUMNS, FIELD_NAMES } from '../provisioning/user-fields';
import { formatMicros, type Micros, parseMicros } from '../zitadel-api/event-instant';
import type { RetryPolicy } from '../zitadel-api/retry-zitadel-calls';
import type { ZitadelClient } from '../zitadel-api/zitadel-client';
import { readEventSegments, type Segment } from './read-event-segments';

export interface SyncOptions {
  db: Database;
  client: ZitadelClient;
  /** Checkpoint row name: `reconciler` for the poller, `backfill` for the one-off import. */
  checkpoint: string;
  source: EventSource;
  /**
   * Re-read this much before the checkpoint, page by page like any other stretch: a transaction
   * that commits late can carry an earlier creation date than events already applied. The event
   * log recognises what is read twice; the checkpoint never moves back.
   */
  overlapMs: number;
  pageSize?: number;
  retry?: RetryPolicy;
  settleMs?: number;
  listUsersPatienceMs?: number;
  metrics?: Metrics;
  /** Called after each committed segment, e.g. for a progress bar. */
  onSegment?: (progress: SyncProgress, segment: Segment) => void;
  /** Called before a failed call to ZITADEL is tried again. */
  onRetry?: (error: Error, attempt: number) => void;
  /** Stop between segments when this aborts (the segment in flight commits or rolls back whole). */
  signal?: AbortSignal;
}

export interface SyncProgress {
  /** Segments committed. */
  segments: number;
  events: number;
  /** Events that set at least one field (or created the user). */
  applied: number;
  snapshots: number;
  usersCreated: number;
  usersUpdated: number;
  /** The checkpoint: every event created at or before it is applied. */
  position: string | null;
  /** True when the Event API had nothing newer: the sync is complete up to now. */
  caughtUp: boolean;
}

/** Each listed user's newest field sequence before a snapshot is applied (to count updates). */
async function newestSequences(
  db: Database,
  snapshots: readonly UserFieldWrite[],
): Promise<Map<string, number>> {
  if (snapshots.length === 0) return new Map();
  const rows = await db
    .select({
      id: users.zitadelUserId,
      newest: sql<string>`greatest(${sql.join(
        FIELD_NAMES.map((field) => FIELD_COLUMNS[field].sequence),
        sql`, `,
      )})`,
    })
    .from(users)
    .where(
      inArray(
        users.zitadelUserId,
        snapshots.map((snapshot) => snapshot.zitadelUserId),
      ),
    );
  return new Map(rows.map((row) => [row.id, Number(row.newest)]));
}

/** Reads the checkpoint in microseconds, or undefined before the first run. */
export async function readCheckpoint(db: Database, name: string): Promise<Micros | undefined> {
  const [row] = await db
    .select({
      position: sql<string>`to_char(${syncCheckpoints.position} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(syncCheckpoints)
    .where(eq(syncCheckpoints.name, name));
  return row ? parseMicros(row.position) : undefined;
}

/** Moves a checkpoint forward (never back) and counts the events read under it. */
export async function writeCheckpoint(
  db: Database,
  name: string,
  position: Micros,
  events: number,
): Promise<void> {
  await db
    .insert(syncCheckpoints)
    .values({ name, position: formatMicros(position), eventsApplied: events })
    .onConflictDoUpdate({
      target: syncCheckpoints.name,
      set: {
        position: sql`greatest(${syncCheckpoints.position}, excluded.position)`,
        eventsApplied: sql`${syncCheckpoints.eventsApplied} + excluded.events_applied`,
        updatedAt: sql`now()`,
      },
    });
}

/**
 * Pulls the Event API until it is caught up, applying each segment and moving the checkpoint in
 * one transaction: after a crash the checkpoint never claims events that were not applied, and
 * anything applied twice is recognised by the event log. Returns only when caught up (or aborted);
 * any failure throws, with the checkpoint at the last complete segment.
 */
export async function syncEvents(options: SyncOptions): Promise<SyncProgress> {
  const progress: SyncProgress = {
    segments: 0,
    events: 0,
    applied: 0,
    snapshots: 0,
    usersCreated: 0,
    usersUpdated: 0,
    position: null,
    caughtUp: false,
  };
  const checkpoint = await readCheckpoint(options.db, options.checkpoint);
  if (checkpoint !== undefined) progress.position = formatMicros(checkpoint);
  const after = checkpoint === undefined ? 0 : Math.max(0, checkpoint - options.overlapMs * 1000);
  // Users this run created, so a later update of the same user is not counted twice.
  const created = new Set<string>();
  const updated = new Set<string>();

  const segments = readEventSegments(options.client, {
    after,
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
    ...(options.listUsersPatienceMs === undefined
      ? {}
      : { listUsersPatienceMs: options.listUsersPatienceMs }),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  });
  // Applies a segment and moves the checkpoint in one transaction, one segment at a time (the next
  // page is fetched meanwhile). Two segments open at once can deadlock where Postgres cannot see
  // it: the later one takes a user's row lock first and then waits, in this process, for the
  // earlier one to commit, while the earlier one waits on that row lock.
  const commit = (segment: Segment) =>
    options.db.transaction(async (tx) => {
      // The checkpoint commits with the events, and ZITADEL stays the source of truth: if a crash
      // loses this commit, the next run reads the same segment again. So no need to wait for the
      // WAL flush on every segment.
      await tx.execute(sql`set local synchronous_commit = off`);
      const results = await applyIdentityEvents(tx, segment.events, options.source);
      const before = await newestSequences(tx, segment.snapshots);
      const snapshots = await upsertUserFields(tx, segment.snapshots);
      await adoptPendingEvents(
        tx,
        [...snapshots].filter(([, written]) => written.inserted).map(([id]) => id),
        options.source,
      );
      const fresh = results.filter((result) => result.outcome !== 'duplicate').length;
      await tx
        .insert(syncCheckpoints)
        .values({
          name: options.checkpoint,
          position: formatMicros(segment.through),
          eventsApplied: fresh,
        })
        .onConflictDoUpdate({
          target: syncCheckpoints.name,
          set: {
            position: sql`greatest(${syncCheckpoints.position}, excluded.position)`,
            eventsApplied: sql`${syncCheckpoints.eventsApplied} + excluded.events_applied`,
            updatedAt: sql`now()`,
          },
        });
      return { results, snapshots, before };
    });
  type Outcome = Awaited<ReturnType<typeof commit>>;

  const account = (segment: Segment, outcome: Outcome) => {
    segment.events.forEach((event, index) => {
      const result = outcome.results[index];
      if (!result) return;
      options.metrics?.eventsApplied.inc({ source: options.source, outcome: result.outcome });
      if (result.inserted) {
        created.add(event.aggregateId);
        options.metrics?.usersProvisioned.inc({ source: options.source });
      } else if (result.outcome === 'applied' && !created.has(event.aggregateId)) {
        updated.add(event.aggregateId);
      }
      if (result.outcome === 'applied') {
        progress.applied++;
        if (options.source === 'poll') {
          options.metrics?.provisioningLag.observe(
            { source: 'poll' },
            Math.max(0, Date.now() / 1000 - event.micros / 1e6),
          );
        }
      }
    });
    for (const snapshot of segment.snapshots) {
      const written = outcome.snapshots.get(snapshot.zitadelUserId);
      if (written?.inserted) {
        created.add(snapshot.zitadelUserId);
        options.metrics?.usersProvisioned.inc({ source: options.source });
      } else if (
        written &&
        !created.has(snapshot.zitadelUserId) &&
        Math.max(...Object.values(written.sequences)) >
          (outcome.before.get(snapshot.zitadelUserId) ?? 0)
      ) {
        updated.add(snapshot.zitadelUserId);
      }
    }
    options.metrics?.snapshotsApplied.inc({ source: options.source }, segment.snapshots.length);

    progress.segments++;
    progress.events += segment.events.length;
    progress.snapshots += segment.snapshots.length;
    progress.usersCreated = created.size;
    progress.usersUpdated = updated.size;
    const through = formatMicros(segment.through);
    if (!progress.position || through > progress.position) progress.position = through;
    progress.caughtUp = segment.caughtUp;
    options.onSegment?.({ ...progress }, segment);
  };

  try {
    for await (const segment of segments) {
      account(segment, await commit(segment));
      if (options.signal?.aborted) break;
    }
  } catch (error) {
    // Stopping on purpose (Ctrl-C, shutdown) while a page was on its way is not a failure: what
    // committed is accounted, the rest is read again next time.
    if (!options.signal?.aborted) throw error;
    progress.caughtUp = false;
  }
  return progress;
}
