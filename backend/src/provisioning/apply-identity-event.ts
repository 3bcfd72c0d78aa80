import { sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { rowsOf } from '../db/rows-of';
import type { EventSource } from '../db/schema';
import {
  CHANGEABLE_FIELDS,
  changesFromEvent,
  type IdentityEvent,
  isHandled,
  storableEvent,
  stripSecrets,
  whyInvalid,
} from './identity-event';
import { type FieldName, upsertUserFields } from './upsert-user-fields';

export type ApplyOutcome =
  /** Recorded, and at least one field took the event's value (or the row was created). */
  | 'applied'
  /** Recorded, but every field it touches already holds a newer event's value. */
  | 'stale'
  /** Seen before (same aggregate and sequence): nothing done. */
  | 'duplicate'
  /** Not an event this app follows. */
  | 'ignored'
  /** Cannot be applied at all (sequence or date out of range): skipped so it cannot block a page. */
  | 'invalid';

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** True when this event's batch inserted the user row (reported on the user's first event). */
  inserted: boolean;
}

type Field = FieldName;
const FIELDS = CHANGEABLE_FIELDS;

const keyOf = (event: IdentityEvent) =>
  `${event.aggregateType}\u0000${event.aggregateId}\u0000${event.sequence}`;

/** Applies one event; see applyIdentityEvents. */
export async function applyIdentityEvent(
  db: Database,
  event: IdentityEvent,
  source: EventSource,
): Promise<ApplyResult> {
  const [result] = await applyIdentityEvents(db, [event], source);
  return result ?? { outcome: 'ignored', inserted: false };
}

/**
 * Applies ZITADEL events in two statements whatever their number: one records them all in the
 * identity event log (its unique key turns a redelivery into a no-op), one upserts every user they
 * touch, each field moving only where the event's sequence is newer than the field's. Results are
 * in the order of `events`. Runs in a transaction (a savepoint inside the caller's).
 */
export async function applyIdentityEvents(
  db: Database,
  events: readonly IdentityEvent[],
  source: EventSource,
): Promise<ApplyResult[]> {
  const results: ApplyResult[] = events.map(() => ({ outcome: 'ignored', inserted: false }));
  const candidates = new Map<string, number>(); // key → index of its first occurrence
  events = events.map(storableEvent);
  events.forEach((event, index) => {
    if (!isHandled(event)) return;
    if (whyInvalid(event)) {
      results[index] = { outcome: 'invalid', inserted: false };
      return;
    }
    const key = keyOf(event);
    if (candidates.has(key)) results[index] = { outcome: 'duplicate', inserted: false };
    else candidates.set(key, index);
  });
  if (candidates.size === 0) return results;

  return db.transaction(async (tx) => {
    // All rows as one JSON parameter, expanded by jsonb_to_recordset: one statement and one
    // parameter for any batch size (a multi-row VALUES list costs a parameter per cell, and most of
    // the time went into building it), the same on postgres.js and PGlite.
    const logged = [...candidates.values()].map((index) => {
      const event = events[index] as IdentityEvent;
      return {
        aggregate_type: event.aggregateType,
        aggregate_id: event.aggregateId,
        sequence: event.sequence,
        event_type: event.eventType,
        resource_owner: event.resourceOwner,
        event_time: event.createdAt,
        source,
        payload: stripSecrets(event.payload),
      };
    });
    const recorded = rowsOf<{
      aggregate_type: string;
      aggregate_id: string;
      sequence: string | number;
    }>(
      await tx.execute(sql`
        insert into identity_events
          (aggregate_type, aggregate_id, sequence, event_type, resource_owner, event_time, source, payload)
        select aggregate_type, aggregate_id, sequence, event_type, resource_owner, event_time, source, payload
        from jsonb_to_recordset(${JSON.stringify(logged)}::jsonb) as event(
          aggregate_type text, aggregate_id text, sequence bigint, event_type text,
          resource_owner text, event_time timestamptz, source text, payload jsonb)
        on conflict do nothing
        returning aggregate_type, aggregate_id, sequence`),
    );
    const fresh = new Set(
      recorded.map((row) =>
        keyOf({
          aggregateType: row.aggregate_type,
          aggregateId: row.aggregate_id,
          sequence: Number(row.sequence),
        } as IdentityEvent),
      ),
    );

    // Fold each user's fresh events: per field, the value of its newest event.
    const perUser = new Map<
      string,
      { orgId: string | null; fields: Map<Field, [unknown, number]> }
    >();
    const freshIndexes: number[] = [];
    for (const [key, index] of candidates) {
      if (!fresh.has(key)) {
        results[index] = { outcome: 'duplicate', inserted: false };
        continue;
      }
      freshIndexes.push(index);
      const event = events[index] as IdentityEvent;
      let entry = perUser.get(event.aggregateId);
      if (!entry) {
        entry = { orgId: null, fields: new Map() };
        perUser.set(event.aggregateId, entry);
      }
      entry.orgId ??= event.resourceOwner;
      const changes = changesFromEvent(event);
      for (const field of FIELDS) {
        if (!(field in changes)) continue;
        const current = entry.fields.get(field);
        if (!current || current[1] < event.sequence) {
          entry.fields.set(field, [changes[field], event.sequence]);
        }
      }
    }
    if (perUser.size === 0) return results;

    const byUser = await upsertUserFields(
      tx,
      [...perUser].map(([zitadelUserId, entry]) => ({
        zitadelUserId,
        orgId: entry.orgId,
        fields: Object.fromEntries(
          [...entry.fields].map(([field, [value, sequence]]) => [field, { value, sequence }]),
        ),
      })),
    );

    // An event applied if some field it carries now holds its sequence.
    const insertReported = new Set<string>();
    for (const index of freshIndexes) {
      const event = events[index] as IdentityEvent;
      const row = byUser.get(event.aggregateId);
      const changes = changesFromEvent(event);
      const applied = FIELDS.some(
        (field) => field in changes && row?.sequences[field] === event.sequence,
      );
      const inserted = row?.inserted === true && !insertReported.has(event.aggregateId);
      if (inserted) insertReported.add(event.aggregateId);
      results[index] = { outcome: applied || inserted ? 'applied' : 'stale', inserted };
    }
    return results;
  });
}
