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
export class EventLog {
  readonly #path: string;
  readonly #instanceId: string;
  readonly #resourceOwner: string;
  readonly #resourceOwnerOf: (aggregateId: string) => string | undefined;
  readonly #events: LoggedEvent[] = [];
  /** Each event's creation date in microseconds since the epoch (fits a double until year 2255). */
  readonly #micros: number[] = [];
  readonly #aggregates = new Map<string, AggregateState>();
  /** Aggregate ids in the order of their first event: users in creation order. */
  readonly #creationOrder: string[] = [];
  readonly #listeners = new Set<EventListener>();
  readonly #clock = createMicrosecondClock();

  constructor(
    dataDir: string,
    ids: {
      instanceId: string;
      resourceOwner: string;
      /** A user's organisation when it is not the default one (organisations.ts). */
      resourceOwnerOf?: (aggregateId: string) => string | undefined;
    },
  ) {
    this.#path = join(dataDir, FILE_NAME);
    this.#instanceId = ids.instanceId;
    this.#resourceOwner = ids.resourceOwner;
    this.#resourceOwnerOf = ids.resourceOwnerOf ?? (() => undefined);
    mkdirSync(dataDir, { recursive: true });
    const stored = (readTextIfExists(this.#path) ?? '')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => {
        const event = JSON.parse(line) as LoggedEvent;
        return { event, micros: (parseRfc3339ToNanos(event.creationDate) ?? 0n) / 1000n };
      });
    // A late-committed command was appended after newer ones: the log is kept in date order.
    stored.sort((a, b) => (a.micros < b.micros ? -1 : a.micros > b.micros ? 1 : 0));
    for (const { event, micros } of stored) {
      this.#remember(event, micros);
      this.#clock.observe(micros);
    }
  }

  append(input: AppendInput): LoggedEvent {
    return this.appendCommand([input])[0] as LoggedEvent;
  }

  /**
   * Writes the events of one command (or one transaction) at one instant, like ZITADEL's push:
   * each aggregate's sequence continues from its newest event, in the order given. `atMicros`
   * asks for a particular instant (a paced burst); the clock never goes back, so it may be later.
   * `lateByMicros` writes a transaction that started that long ago and commits only now: its date
   * lies before events already written, as happens in ZITADEL when a transaction runs long.
   */
  appendCommand(
    inputs: readonly AppendInput[],
    options: { atMicros?: bigint; lateByMicros?: bigint } = {},
  ): LoggedEvent[] {
    if (inputs.length === 0) return [];
    const micros =
      options.lateByMicros !== undefined
        ? this.#clock.now() - options.lateByMicros
        : options.atMicros === undefined
          ? this.#clock.now()
          : this.#clock.at(options.atMicros);
    const creationDate = formatRfc3339Micros(micros);
    const next = new Map<string, number>();
    const events = inputs.map((input): LoggedEvent => {
      const sequence =
        (next.get(input.aggregateId) ?? this.#aggregates.get(input.aggregateId)?.sequence ?? 0) + 1;
      next.set(input.aggregateId, sequence);
      const payload = withoutSecrets(input.payload);
      return {
        aggregateId: input.aggregateId,
        aggregateType: input.aggregateType ?? 'user',
        resourceOwner:
          input.resourceOwner ?? this.#resourceOwnerOf(input.aggregateId) ?? this.#resourceOwner,
        instanceId: this.#instanceId,
        sequence,
        type: input.type,
        creationDate,
        editor: { ...input.editor },
        ...(payload ? { payload } : {}),
      };
    });
    appendFileSync(this.#path, `${events.map((event) => JSON.stringify(event)).join('\n')}\n`, {
      mode: 0o600,
    });
    for (const event of events) this.#remember(event, micros);
    for (const event of events) {
      for (const listener of this.#listeners) {
        try {
          listener(event);
        } catch (error) {
          // A broken subscriber (e.g. webhook dispatch) must never fail the user action that caused the event.
          console.error(`local-idp: event listener failed: ${(error as Error).message}`);
        }
      }
    }
    return events;
  }

  /** All events in append order (oldest first, which is also creation-date order). */
  all(): readonly LoggedEvent[] {
    return this.#events;
  }

  /** The index of the first event created at or after `micros` (the length when there is none). */
  firstAtOrAfter(micros: bigint): number {
    const target = Number(micros);
    let low = 0;
    let high = this.#micros.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#micros[middle] as number) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The creation date of the event at `index`, in microseconds. */
  microsAt(index: number): number {
    return this.#micros[index] ?? Number.NaN;
  }

  aggregate(aggregateId: string): AggregateState | undefined {
    return this.#aggregates.get(aggregateId);
  }

  /** Aggregate ids in the order they were created. */
  creationOrder(): readonly string[] {
    return this.#creationOrder;
  }

  onAppend(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #remember(event: LoggedEvent, micros: bigint): void {
    const at = Number(micros);
    // After every event of the same or an earlier date: usually the end.
    const index =
      this.#micros.length === 0 || (this.#micros.at(-1) as number) <= at
        ? this.#micros.length
        : this.firstAtOrAfter(micros + 1n);
    this.#events.splice(index, 0, event);
    this.#micros.splice(index, 0, at);
    const known = this.#aggregates.get(event.aggregateId);
    if (!known) {
      let position = this.#creationOrder.length;
      while (
        position > 0 &&
        (this.#aggregates.get(this.#creationOrder[position - 1] as string)?.createdMicros ?? 0) > at
      ) {
        position--;
      }
      this.#creationOrder.splice(position, 0, event.aggregateId);
      this.#aggregates.set(event.aggregateId, {
        sequence: event.sequence,
        createdAt: event.creationDate,
        changedAt: event.creationDate,
        createdMicros: at,
      });
      return;
    }
    known.sequence = Math.max(known.sequence, event.sequence);
    if (event.creationDate > known.changedAt) known.changedAt = event.creationDate;
  }
}
