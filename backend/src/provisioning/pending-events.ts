import { sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { rowsOf } from '../db/rows-of';
import { type EventSource, pendingIdentityEvents } from '../db/schema';
import { type IdentityEvent, stripSecrets } from './identity-event';

/**
 * Keeps state events about users the app does not have yet (docs/decisions/032). A state event
 * cannot create a user (it may be a machine's), but a webhook-only deployment never reads it again:
 * kept here, it is applied when the user's row appears. A redelivery is recognised by its key.
 */
export async function storePendingEvents(
  db: Database,
  events: readonly IdentityEvent[],
  source: EventSource,
): Promise<void> {
  if (events.length === 0) return;
  await db
    .insert(pendingIdentityEvents)
    .values(
      events.map((event) => ({
        aggregateId: event.aggregateId,
        sequence: event.sequence,
        eventType: event.eventType,
        resourceOwner: event.resourceOwner,
        eventTime: event.createdAt,
        source,
        payload: stripSecrets(event.payload),
      })),
    )
    .onConflictDoNothing();
}

/** Removes and returns the kept events of these users, oldest first. */
export async function takePendingEvents(
  db: Database,
  zitadelUserIds: readonly string[],
): Promise<IdentityEvent[]> {
  if (zitadelUserIds.length === 0) return [];
  const taken = rowsOf<{
    aggregate_id: string;
    sequence: string | number;
    event_type: string;
    resource_owner: string | null;
    created_at: string;
    payload: Record<string, unknown>;
  }>(
    await db.execute(sql`
      delete from ${pendingIdentityEvents}
      where ${pendingIdentityEvents.aggregateId} in (${sql.join(
        zitadelUserIds.map((id) => sql`${id}`),
        sql`, `,
      )})
      returning aggregate_id, sequence, event_type, resource_owner, payload,
        to_char(event_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at`),
  );
  return taken
    .map((row) => ({
      aggregateType: 'user',
      aggregateId: row.aggregate_id,
      sequence: Number(row.sequence),
      eventType: row.event_type,
      resourceOwner: row.resource_owner,
      createdAt: row.created_at,
      payload: row.payload,
    }))
    .sort((a, b) => a.sequence - b.sequence);
}

/** The ids of users the app now has that have kept events (at most `limit` per call). */
export async function usersWithPendingEvents(db: Database, limit: number): Promise<string[]> {
  const rows = rowsOf<{ aggregate_id: string }>(
    await db.execute(sql`
      select distinct p.aggregate_id from ${pendingIdentityEvents} p
      join users u on u.zitadel_user_id = p.aggregate_id
      limit ${limit}`),
  );
  return rows.map((row) => row.aggregate_id);
}
