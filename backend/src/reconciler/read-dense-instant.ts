import { HANDLED_EVENT_TYPES } from '../provisioning/identity-event';
import type { UserFieldWrite } from '../provisioning/upsert-user-fields';
import { formatMicros, type Micros } from '../zitadel-api/event-instant';
import { type RetryPolicy, withRetries } from '../zitadel-api/retry-zitadel-calls';
import { snapshotOf } from '../zitadel-api/user-snapshot';
import {
  MAX_EVENTS_PER_PAGE,
  type ReadEvent,
  type ZitadelClient,
} from '../zitadel-api/zitadel-client';
import { readUsersCreatedAt, UsersNotYetListed } from './read-users-created-at';

/** Neither API can read an instant completely: the sync must not move past it. */
export class InstantUnreadable extends Error {
  override name = 'InstantUnreadable';
  constructor(
    readonly instant: Micros,
    message: string,
  ) {
    super(message);
  }
}

export interface DenseInstant {
  events: ReadEvent[];
  snapshots: UserFieldWrite[];
  /** Event types read only in part, whose users came from ListUsers. */
  overflowed: string[];
}

const keyOf = (event: ReadEvent) => `${event.aggregateId}\u0000${event.sequence}`;

/**
 * Reads everything at one instant that holds a full page of events. Paging by date cannot split
 * an instant (`from` is exclusive and ZITADEL gives all events of a transaction one date), so the
 * instant is read with `range` bracketing it by a microsecond on each side, one event type at a
 * time. A type with a full page is read ascending and descending: when the two pages share an
 * event they cover the type (up to 2 × 1000 events). Beyond that only ListUsers helps: the users
 * created at the instant come as snapshots, which cover all their events up to their sequence.
 * Events of an overflowing type about anyone else cannot be read at all: InstantUnreadable.
 */
export async function readDenseInstant(
  client: ZitadelClient,
  instant: Micros,
  options: {
    retry: RetryPolicy;
    settleMs: number;
    signal?: AbortSignal;
    onRetry?: (error: Error, attempt: number) => void;
  },
): Promise<DenseInstant> {
  const range = { since: instant - 1, until: instant + 1 };
  const retry = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
  const events: ReadEvent[] = [];
  const partial: { type: string; sample: ReadEvent[] }[] = [];
  for (const type of HANDLED_EVENT_TYPES) {
    const search = { asc: true, range, eventTypes: [type], limit: MAX_EVENTS_PER_PAGE };
    const ascending = await withRetries(
      () => client.listEvents(search, options.signal),
      options.retry,
      retry,
    );
    if (ascending.length < MAX_EVENTS_PER_PAGE) {
      events.push(...ascending);
      continue;
    }
    const descending = await withRetries(
      () => client.listEvents({ ...search, asc: false }, options.signal),
      options.retry,
      retry,
    );
    const seen = new Set(ascending.map(keyOf));
    const rest = descending.filter((event) => !seen.has(keyOf(event)));
    if (rest.length < descending.length) {
      // The first and the last thousand overlap: together they are all of this type.
      events.push(...ascending, ...rest.reverse());
    } else {
      partial.push({ type, sample: [...ascending, ...rest] });
    }
  }
  if (partial.length === 0) return { events, snapshots: [], overflowed: [] };

  const users = await readUsersCreatedAt(client, instant, options);
  const created = new Map(users.map((user) => [user.userId, user]));
  for (const { type, sample } of partial) {
    const strangers = sample.filter((event) => !created.has(event.aggregateId));
    if (strangers.length > 0) {
      throw new InstantUnreadable(
        instant,
        `${formatMicros(instant)} holds more than ${2 * MAX_EVENTS_PER_PAGE} \`${type}\` events, some about users ListUsers does not list as created then (e.g. ${strangers[0]?.aggregateId}: created earlier, or removed since); neither the Event API nor ListUsers can read them all`,
      );
    }
    const behind = sample.find(
      (event) => Number(created.get(event.aggregateId)?.details?.sequence ?? 0n) < event.sequence,
    );
    if (behind) {
      throw new UsersNotYetListed(
        `ListUsers shows user ${behind.aggregateId} before its event ${behind.sequence} at ${formatMicros(instant)}: ZITADEL's user projection is behind`,
      );
    }
  }
  // The events that were read stay events (logged, applied); the snapshots complete them.
  const snapshots = users.flatMap((user) => snapshotOf(user) ?? []);
  events.push(...partial.flatMap(({ sample }) => sample));
  return { events, snapshots, overflowed: partial.map(({ type }) => type) };
}
