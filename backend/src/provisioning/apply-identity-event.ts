import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { rowsOf } from '../db/rows-of';
import type { EventSource } from '../db/schema';
import { erasePersonalPayloads } from './erase-event-payloads';
import {
  changesFromEvent,
  createsUser,
  type IdentityEvent,
  isHandled,
  storableEvent,
  stripSecrets,
  whyInvalid,
} from './identity-event';
import { storePendingEvents, takePendingEvents } from './pending-events';
import { type UserFieldWrite, upsertUserFields } from './upsert-user-fields';
import {
  FIELD_NAMES,
  type FieldChanges,
  foldWrite,
  type SequencedFields,
  unsetFields,
} from './user-fields';

export type ApplyOutcome =
  /** Recorded, and at least one field took the event's value (or the row was created). */
  | 'applied'
  /** Recorded, but every field it touches already holds a newer event's value. */
  | 'stale'
  /** Seen before (same aggregate and sequence): nothing done. */
  | 'duplicate'
  /**
   * Not an event this app follows, or about a user the app does not have and that the event does
   * not prove human (a machine user's state change): neither recorded nor applied.
   */
  | 'ignored'
  /**
   * A state event about a user the app does not have yet: kept (pending_identity_events) and
   * applied when the user's row appears.
   */
  | 'pending'
  /** Cannot be applied at all (sequence, date or id out of range): skipped so it cannot block a page. */
  | 'invalid';

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** True when this event's batch inserted the user row (reported on the user's first event). */
  inserted: boolean;
}

const result = (outcome: ApplyOutcome, inserted = false): ApplyResult => ({ outcome, inserted });

const keyOf = (event: Pick<IdentityEvent, 'aggregateType' | 'aggregateId' | 'sequence'>) =>
  `${event.aggregateType}\u0000${event.aggregateId}\u0000${event.sequence}`;

/**
 * Records the events in the log, all as one JSON parameter (see upsert-user-fields.ts); its unique
 * key turns a redelivery into a no-op. Returns the keys of the events it recorded.
 * Its column lists are checked against schema.ts by test/provisioning-statements.test.ts.
 */
export const logStatement = (rows: string): SQL => sql`
insert into identity_events (aggregate_type, aggregate_id, sequence, event_type, resource_owner,
  event_time, source, payload)
select aggregate_type, aggregate_id, sequence, event_type, resource_owner,
  event_time, source, payload
from jsonb_to_recordset(${rows}::jsonb) as event(aggregate_type text, aggregate_id text,
  sequence bigint, event_type text, resource_owner text, event_time timestamp with time zone,
  source text, payload jsonb)
on conflict do nothing
returning aggregate_type, aggregate_id, sequence`;

/** Applies one event; see applyIdentityEvents. */
export async function applyIdentityEvent(
  db: Database,
  event: IdentityEvent,
  source: EventSource,
): Promise<ApplyResult> {
  const [outcome] = await applyIdentityEvents(db, [event], source);
  return outcome ?? result('ignored');
}

/**
 * Applies ZITADEL events in two statements whatever their number: one upserts every user they
 * touch (each field moving only where the event's sequence is newer than the field's; a row is
 * created only for a human), one records the events of users the app has in the identity event
 * log (its unique key turns a redelivery into a no-op). A batch touching a removed user erases its
 * logged payloads in a third. Results are in the order of `events`. Runs in a transaction (a
 * savepoint inside the caller's).
 */
export async function applyIdentityEvents(
  db: Database,
  events: readonly IdentityEvent[],
  source: EventSource,
): Promise<ApplyResult[]> {
  const results = events.map(() => result('ignored'));
  // The first occurrence of each event, by key, with what it changes (the fold and the outcome
  // both need that).
  const candidates = new Map<
    string,
    { index: number; event: IdentityEvent; changes: FieldChanges }
  >();
  events.forEach((event, index) => {
    if (!isHandled(event)) return;
    if (whyInvalid(event)) {
      results[index] = result('invalid');
      return;
    }
    const key = keyOf(event);
    if (candidates.has(key)) results[index] = result('duplicate');
    else {
      const storable = storableEvent(event);
      candidates.set(key, { index, event: storable, changes: changesFromEvent(storable) });
    }
  });
  if (candidates.size === 0) return results;

  // Each user's events folded in memory first, so one row per user goes to the database. Events
  // logged before fold in again harmlessly: the rule ignores a sequence a field already holds.
  const perUser = new Map<string, { write: UserFieldWrite; fields: SequencedFields }>();
  for (const { event, changes } of candidates.values()) {
    let entry = perUser.get(event.aggregateId);
    if (!entry) {
      const write = { zitadelUserId: event.aggregateId, orgId: null, fields: {}, creates: false };
      entry = { write, fields: unsetFields() };
      perUser.set(event.aggregateId, entry);
    }
    entry.write.orgId ??= event.resourceOwner;
    entry.write.creates ||= createsUser(event);
    foldWrite(entry.fields, changes, event.sequence);
  }
  const writes: UserFieldWrite[] = [];
  for (const { write, fields } of perUser.values()) {
    const set: Record<string, { value: unknown; sequence: number }> = {};
    for (const field of FIELD_NAMES) {
      const sequence = fields.sequences[field];
      if (sequence > 0) set[field] = { value: fields.values[field], sequence };
    }
    writes.push({ ...write, fields: set as UserFieldWrite['fields'] });
  }

  return db.transaction(async (tx) => {
    const byUser = await upsertUserFields(tx, writes);
    const known = [...candidates.values()].filter(({ event }) => byUser.has(event.aggregateId));
    const logged = known.map(({ event }) => ({
      aggregate_type: event.aggregateType,
      aggregate_id: event.aggregateId,
      sequence: event.sequence,
      event_type: event.eventType,
      resource_owner: event.resourceOwner,
      event_time: event.createdAt,
      source,
      payload: stripSecrets(event.payload),
    }));
    const recorded =
      logged.length === 0
        ? []
        : rowsOf<{ aggregate_type: string; aggregate_id: string; sequence: number | string }>(
            await tx.execute(logStatement(JSON.stringify(logged))),
          );
    const fresh = new Set(
      recorded.map((row) =>
        keyOf({
          aggregateType: row.aggregate_type,
          aggregateId: row.aggregate_id,
          sequence: Number(row.sequence),
        }),
      ),
    );
    await erasePersonalPayloads(
      tx,
      [...byUser].filter(([, row]) => row.state === 'removed').map(([id]) => id),
    );
    // State events about users the app does not have are kept for when the user appears; a user
    // this batch created, or proved human, takes the events kept for it.
    const unknown = [...candidates.values()].filter(({ event }) => !byUser.has(event.aggregateId));
    await storePendingEvents(
      tx,
      unknown.map(({ event }) => event),
      source,
    );
    for (const { index } of unknown) results[index] = result('pending');
    await adoptPendingEvents(
      tx,
      writes
        .filter((write) => write.creates || byUser.get(write.zitadelUserId)?.inserted)
        .map((write) => write.zitadelUserId)
        .filter((id) => byUser.has(id)),
      source,
    );

    // An event applied if some field it carries now holds its sequence.
    const insertReported = new Set<string>();
    for (const { index, event, changes } of known) {
      if (!fresh.has(keyOf(event))) {
        results[index] = result('duplicate');
        continue;
      }
      const row = byUser.get(event.aggregateId);
      const applied = FIELD_NAMES.some(
        (field) => field in changes && row?.sequences[field] === event.sequence,
      );
      const inserted = row?.inserted === true && !insertReported.has(event.aggregateId);
      if (inserted) insertReported.add(event.aggregateId);
      results[index] = result(applied || inserted ? 'applied' : 'stale', inserted);
    }
    return results;
  });
}

/**
 * Applies the state events kept for these users (pending_identity_events), now that they have a
 * row. Call it wherever a row may have been created: events, snapshots, the sweep.
 */
export async function adoptPendingEvents(
  db: Database,
  zitadelUserIds: readonly string[],
  source: EventSource,
): Promise<number> {
  const pending = await takePendingEvents(db, zitadelUserIds);
  if (pending.length > 0) await applyIdentityEvents(db, pending, source);
  return pending.length;
}
