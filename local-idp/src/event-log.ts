import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readTextIfExists } from './data-files.ts';
import { formatRfc3339Micros, MicrosecondClock, parseRfc3339ToNanos } from './event-time.ts';

/** The user event types this IdP emits, named exactly like ZITADEL's. */
export type UserEventType =
  | 'user.human.added'
  | 'user.human.profile.changed'
  | 'user.human.email.changed'
  | 'user.human.email.verified'
  | 'user.human.password.changed'
  | 'user.deactivated'
  | 'user.reactivated'
  | 'user.locked'
  | 'user.unlocked'
  | 'user.removed';

/** Who caused an event; ZITADEL's Event API reports it as `editor`, webhooks as `userID`. */
export interface EventEditor {
  userId: string;
  displayName: string;
  service: string;
}

export interface LoggedEvent {
  aggregateId: string;
  aggregateType: 'user';
  resourceOwner: string;
  instanceId: string;
  /** Per aggregate, starting at 1 (like ZITADEL's aggregate sequence). */
  sequence: number;
  type: UserEventType;
  /** RFC 3339 with microseconds, strictly increasing across the log. */
  creationDate: string;
  editor: EventEditor;
  payload?: Record<string, unknown>;
}

export interface AppendInput {
  aggregateId: string;
  type: UserEventType;
  payload?: Record<string, unknown>;
  editor: EventEditor;
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

/**
 * Append-only log of user events in the data dir (one JSON object per line), so the Event API and a
 * provisioning service that replays it see the same history after a restart.
 */
export class EventLog {
  readonly #path: string;
  readonly #instanceId: string;
  readonly #resourceOwner: string;
  readonly #events: LoggedEvent[] = [];
  readonly #sequences = new Map<string, number>();
  readonly #listeners = new Set<EventListener>();
  readonly #clock = new MicrosecondClock();

  constructor(dataDir: string, ids: { instanceId: string; resourceOwner: string }) {
    this.#path = join(dataDir, FILE_NAME);
    this.#instanceId = ids.instanceId;
    this.#resourceOwner = ids.resourceOwner;
    mkdirSync(dataDir, { recursive: true });
    for (const line of (readTextIfExists(this.#path) ?? '').split('\n')) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as LoggedEvent;
      this.#remember(event);
      const nanos = parseRfc3339ToNanos(event.creationDate);
      if (nanos !== undefined) this.#clock.observe(nanos / 1000n);
    }
  }

  append(input: AppendInput): LoggedEvent {
    const sequence = (this.#sequences.get(input.aggregateId) ?? 0) + 1;
    const payload = withoutSecrets(input.payload);
    const event: LoggedEvent = {
      aggregateId: input.aggregateId,
      aggregateType: 'user',
      resourceOwner: this.#resourceOwner,
      instanceId: this.#instanceId,
      sequence,
      type: input.type,
      creationDate: formatRfc3339Micros(this.#clock.now()),
      editor: { ...input.editor },
      ...(payload ? { payload } : {}),
    };
    appendFileSync(this.#path, `${JSON.stringify(event)}\n`, { mode: 0o600 });
    this.#remember(event);
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        // A broken subscriber (e.g. webhook dispatch) must never fail the user action that caused the event.
        console.error(`local-idp: event listener failed: ${(error as Error).message}`);
      }
    }
    return event;
  }

  /** All events in append order (oldest first). */
  all(): readonly LoggedEvent[] {
    return this.#events;
  }

  onAppend(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #remember(event: LoggedEvent): void {
    this.#events.push(event);
    this.#sequences.set(
      event.aggregateId,
      Math.max(this.#sequences.get(event.aggregateId) ?? 0, event.sequence),
    );
  }
}
