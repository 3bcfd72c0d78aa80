import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { type EventSource, syncCheckpoints } from '../db/schema';
import type { Metrics } from '../http/metrics';
import { applyIdentityEvents } from '../provisioning/apply-identity-event';
import type { IdentityEvent } from '../provisioning/identity-event';
import { type EventApiClient, MAX_EVENTS_PER_PAGE } from './event-api-client';

export interface SyncOptions {
  db: Database;
  client: EventApiClient;
  /** Checkpoint row name: `reconciler` for the poller, `backfill` for the one-off import. */
  checkpoint: string;
  source: EventSource;
  /**
   * Re-read this much before the checkpoint. The Event API pages by creation date, and events
   * committed late can carry an earlier date than ones already seen; the event log de-duplicates
   * what is read twice.
   */
  overlapMs: number;
  pageSize?: number;
  metrics?: Metrics;
  /** Called after each committed page, e.g. for a progress bar. */
  onPage?: (progress: SyncProgress) => void;
  /** Stop between pages when this aborts (the page in flight is committed or rolled back whole). */
  signal?: AbortSignal;
}

export interface SyncProgress {
  pages: number;
  events: number;
  applied: number;
  position: string | null;
}

const EPOCH = '1970-01-01T00:00:00.000000Z';

/** Reads the checkpoint, minus `overlapMs`, as an RFC 3339 string with microseconds. */
async function readFrom(db: Database, name: string, overlapMs: number): Promise<string | null> {
  const [row] = await db
    .select({
      from: sql<string>`to_char((${syncCheckpoints.position} - make_interval(secs => ${overlapMs / 1000})) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(syncCheckpoints)
    .where(eq(syncCheckpoints.name, name));
  return row?.from ?? null;
}

/**
 * Pulls events from the Event API until it is caught up, applying each page and moving the
 * checkpoint in one transaction: after a crash the checkpoint never claims events that were not
 * applied, and anything applied twice is recognised by the event log.
 */
export async function syncEvents(options: SyncOptions): Promise<SyncProgress> {
  const pageSize = Math.min(options.pageSize ?? MAX_EVENTS_PER_PAGE, MAX_EVENTS_PER_PAGE);
  const progress: SyncProgress = { pages: 0, events: 0, applied: 0, position: null };
  let overlapMs = options.overlapMs;
  const search = (from: string) => {
    const page = options.client.search({ from, limit: pageSize });
    page.catch(() => {}); // a prefetched page may be dropped unread; its error surfaces when awaited
    return page;
  };

  let next = search((await readFrom(options.db, options.checkpoint, overlapMs)) ?? EPOCH);
  while (!options.signal?.aborted) {
    const events = await next;
    if (events.length === 0) break;
    const newest = events.reduce(
      (latest, event) =>
        Date.parse(event.createdAt) > Date.parse(latest) ? event.createdAt : latest,
      events[0]?.createdAt ?? EPOCH,
    );
    const full = events.length >= pageSize;
    // Fetch the next page while this one is applied: the network and the database overlap.
    // (Millisecond precision is enough here: the overlap only ever reads earlier.)
    if (full) next = search(new Date(Date.parse(newest) - overlapMs).toISOString());

    const outcomes = await options.db.transaction(async (tx) => {
      // The checkpoint commits with the events, and ZITADEL stays the source of truth: if a crash
      // loses this commit, the next run reads the same page again. So no need to wait for the
      // WAL flush on every page.
      await tx.execute(sql`set local synchronous_commit = off`);
      const results = await applyIdentityEvents(tx, events, options.source);
      results.forEach((result, index) => {
        const event = events[index] as IdentityEvent;
        if (result.inserted) options.metrics?.usersProvisioned.inc({ source: options.source });
        if (result.outcome === 'applied' && options.source === 'poll') {
          options.metrics?.provisioningLag.observe(
            { source: 'poll' },
            Math.max(0, (Date.now() - Date.parse(event.createdAt)) / 1000),
          );
        }
      });
      const fresh = results.filter((result) => result.outcome !== 'duplicate').length;
      await tx
        .insert(syncCheckpoints)
        .values({ name: options.checkpoint, position: newest, eventsApplied: fresh })
        .onConflictDoUpdate({
          target: syncCheckpoints.name,
          set: {
            position: sql`greatest(${syncCheckpoints.position}, excluded.position)`,
            eventsApplied: sql`${syncCheckpoints.eventsApplied} + excluded.events_applied`,
            updatedAt: sql`now()`,
          },
        });
      return results.map((result) => result.outcome);
    });

    for (const outcome of outcomes) {
      options.metrics?.eventsApplied.inc({ source: options.source, outcome });
    }
    const fresh = outcomes.filter((outcome) => outcome !== 'duplicate').length;
    progress.pages++;
    progress.events += events.length;
    progress.applied += outcomes.filter((outcome) => outcome === 'applied').length;
    progress.position = newest;
    options.onPage?.({ ...progress });

    if (!full) break;
    if (fresh === 0) {
      // A full page of events already seen: the overlap window alone holds a page. Read from the
      // newest date itself next; if that is still all old news, more than a page shares one
      // timestamp and the API cannot page past it.
      if (overlapMs === 0) break;
      overlapMs = 0;
      next = search(newest);
    } else {
      overlapMs = options.overlapMs;
    }
  }
  return progress;
}
