import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { type EventSource, identityEvents, users } from '../db/schema';
import {
  changesFromEvent,
  type FieldChanges,
  type IdentityEvent,
  isHandled,
  stripSecrets,
} from './identity-event';

export type ApplyOutcome =
  /** Recorded, and at least one field took the event's value (or the row was created). */
  | 'applied'
  /** Recorded, but every field it touches already holds a newer event's value. */
  | 'stale'
  /** Seen before (same aggregate and sequence): nothing done. */
  | 'duplicate'
  /** Not an event this app follows. */
  | 'ignored';

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** True when this event inserted the user row. */
  inserted: boolean;
}

type UserKey = keyof typeof users.$inferInsert;

// Each user field and the column recording the sequence that last set it.
const SEQUENCE_OF: { [K in keyof FieldChanges]-?: UserKey } = {
  email: 'emailSequence',
  emailVerified: 'emailVerifiedSequence',
  displayName: 'displayNameSequence',
  givenName: 'givenNameSequence',
  familyName: 'familyNameSequence',
  state: 'stateSequence',
};

/**
 * Applies one ZITADEL event: records it in the identity event log (its unique key makes a
 * redelivery a no-op) and moves each field it carries only if that field's last event is older.
 * Pass a transaction to make it atomic with other work (the reconciler's checkpoint); on its own it
 * opens one.
 */
export async function applyIdentityEvent(
  db: Database,
  event: IdentityEvent,
  source: EventSource,
): Promise<ApplyResult> {
  if (!isHandled(event)) return { outcome: 'ignored', inserted: false };
  return db.transaction(async (tx) => {
    const recorded = await tx
      .insert(identityEvents)
      .values({
        aggregateType: event.aggregateType,
        aggregateId: event.aggregateId,
        sequence: event.sequence,
        eventType: event.eventType,
        resourceOwner: event.resourceOwner,
        eventTime: new Date(event.createdAt),
        source,
        payload: stripSecrets(event.payload),
      })
      .onConflictDoNothing()
      .returning({ id: identityEvents.id });
    if (recorded.length === 0) return { outcome: 'duplicate', inserted: false };
    return upsertFields(tx, event, changesFromEvent(event));
  });
}

async function upsertFields(
  db: Database,
  event: IdentityEvent,
  changes: FieldChanges,
): Promise<ApplyResult> {
  const present = (Object.keys(SEQUENCE_OF) as (keyof FieldChanges)[]).filter(
    (field) => field in changes,
  );
  if (present.length === 0) return { outcome: 'stale', inserted: false };
  const seq = sql`${event.sequence}::bigint`;

  const values: typeof users.$inferInsert = {
    zitadelUserId: event.aggregateId,
    orgId: event.resourceOwner,
  };
  const set: Record<string, SQL> = {
    orgId: sql`coalesce(${users.orgId}, excluded.org_id)`,
  };
  const newer: SQL[] = [];
  for (const field of present) {
    const sequenceKey = SEQUENCE_OF[field];
    const column = users[field];
    const sequenceColumn = users[sequenceKey];
    Object.assign(values, { [field]: changes[field], [sequenceKey]: event.sequence });
    // In ON CONFLICT … SET every right-hand side sees the row as it was before this statement.
    set[field] =
      sql`case when ${sequenceColumn} < ${seq} then excluded.${sql.identifier(column.name)} else ${column} end`;
    set[sequenceKey] = sql`greatest(${sequenceColumn}, ${seq})`;
    newer.push(sql`${sequenceColumn} < ${seq}`);
  }
  set.updatedAt = sql`case when ${sql.join(newer, sql` or `)} then now() else ${users.updatedAt} end`;

  const applied = sql.join(
    present.map((field) => sql`${users[SEQUENCE_OF[field]]} = ${seq}`),
    sql` or `,
  );
  const [row] = await db
    .insert(users)
    .values(values)
    .onConflictDoUpdate({ target: users.zitadelUserId, set })
    .returning({
      inserted: sql<boolean>`("users"."xmax" = 0)`,
      applied: sql<boolean>`(${applied})`,
    });
  return {
    outcome: row?.applied ? 'applied' : 'stale',
    inserted: row?.inserted === true,
  };
}
