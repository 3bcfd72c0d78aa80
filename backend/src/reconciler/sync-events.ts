import { eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { type EventSource, syncCheckpoints, users } from '../db/schema';
import type { Metrics } from '../observability/metrics';
import {
  type ApplyResult,
  adoptPendingEvents,
  applyIdentityEvents,
} from '../provisioning/apply-identity-event';
import {
  type UserFieldOutcome,
  type UserFieldWrite,
  upsertUserFields,
} from '../provisioning/upsert-user-fields';
import { FIELD_COLUMNS, FIELD_NAMES } from '../provisioning/user-fields';
import { formatMicros, type Micros, parseMicros } from '../zitadel-api/event-instant';
import type { RetryPolicy } from '../zitadel-api/retry-zitadel-calls';
import type { ZitadelClient } from '../zitadel-api/zitadel-client';
import { mayShareRows } from './may-share-rows';
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

interface Outcome {
  results: ApplyResult[];
  snapshots: Map<string, UserFieldOutcome>;
  /** Each snapshot's user's newest field sequence before it was applied. */
  before: Map<string, number>;
}

/** A segment in the database. */
interface InFlight {
  segment: Segment;
  /** Settles once its statements are done (or it failed): all it needs then is its checkpoint. */
  applied: Promise<void>;
  done: Promise<Outcome>;
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
  // Applies a segment and moves the checkpoint in one transaction. Two segments are in the
  // database at once (one applies while the previous finishes), and commit in order: a segment's
  // checkpoint waits for the previous commit, and a segment whose predecessor failed rolls back
  // with it. The checkpoint never passes an unapplied event.
  //
  // That wait happens in this process, where Postgres cannot see it. Had the later segment
  // locked a row the earlier one still needs, neither would ever finish (the fault suite's
  // resumed backfill hung so). So a segment that shares a row with the one before starts its
  // statements only once that one's are done; afterwards the earlier one needs only its
  // checkpoint row, which the later one touches after the commit it waits for.
  const commit = (segment: Segment, previous: InFlight | undefined): InFlight => {
    let statementsDone = () => {};
    const applied = new Promise<void>((resolve) => {
      statementsDone = resolve;
    });
    const done = options.db.transaction(async (tx) => {
      if (previous && mayShareRows(previous.segment, segment)) await previous.applied;
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
      statementsDone();
      await previous?.done;
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
    // A failed segment has no statements left to wait for.
    done.then(statementsDone, statementsDone);
    return { segment, applied, done };
  };

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

  const inFlight: InFlight[] = [];
  const settle = async () => {
    const head = inFlight.shift();
    if (head) account(head.segment, await head.done);
  };
  try {
    for await (const segment of segments) {
      const started = commit(segment, inFlight.at(-1));
      started.done.catch(() => {}); // surfaced by settle()
      inFlight.push(started);
      if (inFlight.length >= 2) await settle();
      if (options.signal?.aborted) break;
    }
    while (inFlight.length > 0) await settle();
  } catch (error) {
    // Let the segments still in flight commit or roll back before reporting.
    const settled = await Promise.allSettled(inFlight.map((entry) => entry.done));
    // Stopping on purpose (Ctrl-C, shutdown) while a page was on its way is not a failure: what
    // committed is accounted, the rest is read again next time.
    if (!options.signal?.aborted) throw error;
    settled.forEach((result, index) => {
      const entry = inFlight[index];
      if (result.status === 'fulfilled' && entry) account(entry.segment, result.value);
    });
    progress.caughtUp = false;
  }
  return progress;
}
