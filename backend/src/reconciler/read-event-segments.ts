import { ExponentialBackoff, handleWhen, noJitterGenerator, retry } from 'cockatiel';
import { HANDLED_EVENT_TYPES } from '../provisioning/identity-event';
import type { UserFieldWrite } from '../provisioning/upsert-user-fields';
import type { Micros } from '../zitadel-api/event-instant';
import {
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  withRetries,
} from '../zitadel-api/retry-zitadel-calls';
import {
  MAX_EVENTS_PER_PAGE,
  type ReadEvent,
  type ZitadelClient,
} from '../zitadel-api/zitadel-client';
import { readDenseInstant } from './read-dense-instant';
import { UsersNotYetListed } from './read-users-created-at';

/**
 * A stretch of history read completely: once its events and snapshots are applied, every handled
 * event created at or before `through` has been applied (this segment or an earlier one).
 */
export interface Segment {
  events: ReadEvent[];
  /** ListUsers snapshots for an instant the Event API cannot page through (never logged). */
  snapshots: UserFieldWrite[];
  through: Micros;
  /** Set on the last segment: the Event API had nothing after it. */
  caughtUp: boolean;
  /** Set when the segment is one instant holding a full page or more. */
  dense?: { events: number; snapshots: number; overflowed: string[] };
}

export interface ReadOptions {
  /** Read events created after this instant (exclusive). */
  after: Micros;
  pageSize?: number;
  retry?: RetryPolicy;
  /** How long ListUsers must hold still when the projection's newest event is a dense instant. */
  settleMs?: number;
  /** How long to keep asking ListUsers for an instant's users before giving up. */
  listUsersPatienceMs?: number;
  signal?: AbortSignal;
  onRetry?: (error: Error, attempt: number) => void;
}

/**
 * Reads the Event API from `after` on, as segments that each end on a complete instant. Progress
 * is measured by the date cursor, which moves forward on every page, whatever the page held:
 * - a page with room to spare is everything there is: one last segment;
 * - a full page whose last instant may be cut: everything before that instant is complete; the
 *   next read starts a microsecond before it, so the rest of the instant is read again (the event
 *   log recognises what was already applied);
 * - a full page of one single instant: readDenseInstant reads that instant whole, or throws.
 * There is no path that stops early without throwing.
 */
export async function* readEventSegments(
  client: ZitadelClient,
  options: ReadOptions,
): AsyncGenerator<Segment, void, undefined> {
  const pageSize = Math.min(options.pageSize ?? MAX_EVENTS_PER_PAGE, MAX_EVENTS_PER_PAGE);
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  const callOptions = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
  const read = (after: Micros) => {
    const page = withRetries(
      () =>
        client.listEvents(
          { asc: true, after, eventTypes: HANDLED_EVENT_TYPES, limit: pageSize },
          options.signal,
        ),
      policy,
      callOptions,
    );
    page.catch(() => {}); // a prefetched page may be dropped unread; its error surfaces when awaited
    return page;
  };

  let cursor = options.after;
  let next = read(cursor);
  for (;;) {
    const page = await next;
    const last = page.at(-1);
    if (!last || page.length < pageSize) {
      yield { events: page, snapshots: [], through: last?.micros ?? cursor, caughtUp: true };
      return;
    }
    const first = page[0] as ReadEvent;
    if (first.micros < last.micros) {
      let cut = page.length - 1;
      while ((page[cut - 1] as ReadEvent).micros === last.micros) cut--;
      cursor = last.micros - 1;
      next = read(cursor); // fetched while the caller applies this segment
      yield { events: page.slice(0, cut), snapshots: [], through: cursor, caughtUp: false };
      continue;
    }
    const dense = await readDenseWithPatience(client, last.micros, options, policy);
    cursor = last.micros;
    next = read(cursor);
    yield {
      events: dense.events,
      snapshots: dense.snapshots,
      through: cursor,
      caughtUp: false,
      dense: {
        events: dense.events.length,
        snapshots: dense.snapshots.length,
        overflowed: dense.overflowed,
      },
    };
  }
}

// ListUsers trails the event store by a moment: ask again, waiting 0.5 s doubling up to 5 s, until
// the patience runs out.
function readDenseWithPatience(
  client: ZitadelClient,
  instant: Micros,
  options: ReadOptions,
  policy: RetryPolicy,
) {
  const deadline = Date.now() + (options.listUsersPatienceMs ?? 30_000);
  const settleMs = options.settleMs ?? 2000;
  const patience = retry(
    handleWhen((error) => error instanceof UsersNotYetListed && Date.now() <= deadline),
    {
      maxAttempts: Number.POSITIVE_INFINITY,
      backoff: new ExponentialBackoff({
        initialDelay: 500,
        maxDelay: 5000,
        generator: noJitterGenerator,
      }),
    },
  );
  const { onRetry } = options;
  if (onRetry) {
    patience.onRetry((event) => {
      if ('error' in event) onRetry(event.error, event.attempt);
    });
  }
  return patience.execute(
    () =>
      readDenseInstant(client, instant, {
        retry: policy,
        settleMs,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(onRetry ? { onRetry } : {}),
      }),
    options.signal,
  );
}
