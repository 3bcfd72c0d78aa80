import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readTextIfExists } from './data-files';
import { createMicrosecondClock, formatRfc3339Micros, parseRfc3339ToNanos } from './event-time';

/** The user event types this IdP emits, named exactly like ZITADEL's. */
export type UserEventType =
  | 'user.human.added'
  | 'user.human.profile.changed'
  | 'user.human.email.changed'
  | 'user.human.email.verified'
  | 'user.human.email.code.added'
  | 'user.human.password.changed'
  | 'user.deactivated'
  | 'user.reactivated'
  | 'user.locked'
  | 'user.unlocked'
  | 'user.removed';

/** The organisation events this IdP emits (ZITADEL: internal/repository/org/org.go). */
export type OrgEventType = 'org.added' | 'org.removed';

/** Who caused an event; ZITADEL's Event API reports it as `editor`, webhooks as `userID`. */
export interface EventEditor {
  userId: string;
  displayName: string;
  service: string;
}

export interface LoggedEvent {
  aggregateId: string;
  aggregateType: 'user' | 'org';
  resourceOwner: string;
  instanceId: string;
  /** Per aggregate, starting at 1 (like ZITADEL's aggregate sequence). */
  sequence: number;
  type: UserEventType | OrgEventType;
  /**
   * RFC 3339 with microseconds. Every event of one command shares it (ZITADEL writes a command's
   * events in one transaction, at its `now()`); it increases from command to command.
   */
  creationDate: string;
  editor: EventEditor;
  payload?: Record<string, unknown>;
}

export interface AppendInput {
  aggregateId: string;
  type: UserEventType | OrgEventType;
  payload?: Record<string, unknown>;
  editor: EventEditor;
  /** `user` unless said. */
  aggregateType?: 'user' | 'org';
  /** The aggregate's organisation; default: the one `resourceOwnerOf` names, else the default org. */
  resourceOwner?: string;
}

export type EventListener = (event: LoggedEvent) => void;

// ZITADEL's real payloads can carry the password hash (`encodedHash`); ours are built field by field
// and never do, but this guard keeps it that way if someone later spreads a user object into one.
const SECRET_PAYLOAD_KEYS = new Set(['encodedHash', 'passwordHash', 'password', 'secret', 'hash']);

function withoutSecrets(
  payload: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (!payload) return undefined;
  const entries = Object.entries(payload).filter(
    ([key, value]) => !SECRET_PAYLOAD_KEYS.has(key) && value !== undefined,
  );
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

const FILE_NAME = 'events.jsonl';

/** What the log knows about one aggregate (a user), for ListUsers' `details`. */
export interface AggregateState {
  /** The newest event's sequence. */
  sequence: number;
  /** The first event's creation date: the user's creation date. */
  createdAt: string;
  /** The newest event's creation date. */
  changedAt: string;
  createdMicros: number;
}

/**
 * Append-only log of user events in the data dir (one JSON object per line), so the Event API and a
 * provisioning service that replays it see the same history after a restart. The log is in
 * creation-date order, so searches by date are binary searches.
 */
export interface EventLog {
  append(input: AppendInput): LoggedEvent;
  /**
   * Writes the events of one command (or one transaction) at one instant, like ZITADEL's push:
   * each aggregate's sequence continues from its newest event, in the order given. `atMicros`
   * asks for a particular instant (a paced burst); the clock never goes back, so it may be later.
   * `lateByMicros` writes a transaction that started that long ago and commits only now: its date
   * lies before events already written, as happens in ZITADEL when a transaction runs long.
   */
  appendCommand(
    inputs: readonly AppendInput[],
    options?: { atMicros?: bigint; lateByMicros?: bigint },
  ): LoggedEvent[];
  /** All events in append order (oldest first, which is also creation-date order). */
  all(): readonly LoggedEvent[];
  /** The index of the first event created at or after `micros` (the length when there is none). */
  firstAtOrAfter(micros: bigint): number;
  /** The creation date of the event at `index`, in microseconds. */
  microsAt(index: number): number;
  aggregate(aggregateId: string): AggregateState | undefined;
  /** Aggregate ids in the order they were created. */
  creationOrder(): readonly string[];
  onAppend(listener: EventListener): () => void;
}

export function createEventLog(
  dataDir: string,
  ids: {
    instanceId: string;
    resourceOwner: string;
    /** A user's organisation when it is not the default one (organisations.ts). */
    resourceOwnerOf?: (aggregateId: string) => string | undefined;
  },
): EventLog {
  const path = join(dataDir, FILE_NAME);
  const resourceOwnerOf = ids.resourceOwnerOf ?? (() => undefined);
  const events: LoggedEvent[] = [];
  /** Each event's creation date in microseconds since the epoch (fits a double until year 2255). */
  const micros: number[] = [];
  const aggregates = new Map<string, AggregateState>();
  /** Aggregate ids in the order of their first event: users in creation order. */
  const creationOrder: string[] = [];
  const listeners = new Set<EventListener>();
  const clock = createMicrosecondClock();

  function firstAtOrAfter(target: bigint): number {
    const wanted = Number(target);
    let low = 0;
    let high = micros.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((micros[middle] as number) < wanted) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  function remember(event: LoggedEvent, at: bigint): void {
    const atNumber = Number(at);
    // After every event of the same or an earlier date: usually the end.
    const index =
      micros.length === 0 || (micros.at(-1) as number) <= atNumber
        ? micros.length
        : firstAtOrAfter(at + 1n);
    events.splice(index, 0, event);
    micros.splice(index, 0, atNumber);
    const known = aggregates.get(event.aggregateId);
    if (!known) {
      let position = creationOrder.length;
      while (
        position > 0 &&
        (aggregates.get(creationOrder[position - 1] as string)?.createdMicros ?? 0) > atNumber
      ) {
        position--;
      }
      creationOrder.splice(position, 0, event.aggregateId);
      aggregates.set(event.aggregateId, {
        sequence: event.sequence,
        createdAt: event.creationDate,
        changedAt: event.creationDate,
        createdMicros: atNumber,
      });
      return;
    }
    known.sequence = Math.max(known.sequence, event.sequence);
    if (event.creationDate > known.changedAt) known.changedAt = event.creationDate;
  }

  function appendCommand(
    inputs: readonly AppendInput[],
    options: { atMicros?: bigint; lateByMicros?: bigint } = {},
  ): LoggedEvent[] {
    if (inputs.length === 0) return [];
    const at =
      options.lateByMicros !== undefined
        ? clock.now() - options.lateByMicros
        : options.atMicros === undefined
          ? clock.now()
          : clock.at(options.atMicros);
    const creationDate = formatRfc3339Micros(at);
    const next = new Map<string, number>();
    const written = inputs.map((input): LoggedEvent => {
      const sequence =
        (next.get(input.aggregateId) ?? aggregates.get(input.aggregateId)?.sequence ?? 0) + 1;
      next.set(input.aggregateId, sequence);
      const payload = withoutSecrets(input.payload);
      return {
        aggregateId: input.aggregateId,
        aggregateType: input.aggregateType ?? 'user',
        resourceOwner:
          input.resourceOwner ?? resourceOwnerOf(input.aggregateId) ?? ids.resourceOwner,
        instanceId: ids.instanceId,
        sequence,
        type: input.type,
        creationDate,
        editor: { ...input.editor },
        ...(payload ? { payload } : {}),
      };
    });
    appendFileSync(path, `${written.map((event) => JSON.stringify(event)).join('\n')}\n`, {
      mode: 0o600,
    });
    for (const event of written) remember(event, at);
    for (const event of written) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          // A broken subscriber (e.g. webhook dispatch) must never fail the user action that caused the event.
          console.error(`local-idp: event listener failed: ${(error as Error).message}`);
        }
      }
    }
    return written;
  }

  mkdirSync(dataDir, { recursive: true });
  const stored = (readTextIfExists(path) ?? '')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const event = JSON.parse(line) as LoggedEvent;
      return { event, at: (parseRfc3339ToNanos(event.creationDate) ?? 0n) / 1000n };
    });
  // A late-committed command was appended after newer ones: the log is kept in date order.
  stored.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  for (const { event, at } of stored) {
    remember(event, at);
    clock.observe(at);
  }

  return {
    append: (input) => appendCommand([input])[0] as LoggedEvent,
    appendCommand,
    all: () => events,
    firstAtOrAfter,
    microsAt: (index) => micros[index] ?? Number.NaN,
    aggregate: (aggregateId) => aggregates.get(aggregateId),
    creationOrder: () => creationOrder,
    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
