import { and, inArray, ne, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { type EventSource, identityEvents, users } from '../db/schema';
import { erasePersonalPayloads } from './erase-event-payloads';
import type { IdentityEvent } from './identity-event';
import { takePendingEvents } from './pending-events';
import { ERASED_FIELDS, FIELD_NAMES } from './user-fields';

/**
 * The sequence a removal ZITADEL wrote no user event for (its organisation was removed, or the
 * sweep found the user gone) gives every field. ZITADEL never brings a removed user back, so the
 * removal is the newest write of every field: no event, however late, brings a name back.
 */
export const REMOVED_SEQUENCE = Number.MAX_SAFE_INTEGER;

const removal = (): Record<string, unknown> => {
  const set: Record<string, unknown> = {
    ...ERASED_FIELDS,
    state: 'removed',
    updatedAt: sql`now()`,
  };
  for (const field of FIELD_NAMES) set[`${field}Sequence`] = REMOVED_SEQUENCE;
  return set;
};

/**
 * Marks removed, as `user.removed` does (every personal field erased, logged payloads stripped),
 * the users `where` selects that are not removed yet. Returns their ZITADEL ids.
 *
 *   update users set email = null, email_verified = false, display_name = '', given_name = '',
 *     family_name = '', state = 'removed', <every>_sequence = 9007199254740991, updated_at = now()
 *   where <where> and state <> 'removed'
 *   returning zitadel_user_id
 */
async function markRemoved(db: Database, where: SQL | undefined): Promise<string[]> {
  return db.transaction(async (tx) => {
    const removed = await tx
      .update(users)
      .set(removal())
      .where(and(where, ne(users.state, 'removed')))
      .returning({ id: users.zitadelUserId });
    const ids = removed.map((row) => row.id);
    await erasePersonalPayloads(tx, ids);
    // Nothing kept for a removed user can apply any more.
    await takePendingEvents(tx, ids);
    return ids;
  });
}

/** Marks these users removed (the sweep, for users ZITADEL no longer lists). */
export function removeUsers(db: Database, zitadelUserIds: readonly string[]): Promise<string[]> {
  if (zitadelUserIds.length === 0) return Promise.resolve([]);
  return markRemoved(db, inArray(users.zitadelUserId, [...zitadelUserIds]));
}

/** ZITADEL writes this on the organisation and no event per user (docs/decisions/032). */
export const ORG_REMOVED = 'org.removed';

export const isOrgRemoval = (event: Pick<IdentityEvent, 'aggregateType' | 'eventType'>) =>
  event.aggregateType === 'org' && event.eventType === ORG_REMOVED;

/**
 * Applies `org.removed` events: each is recorded in the identity event log (a redelivery is
 * recognised by its key) and every user of the organisation, by the org id stored per user, is
 * marked removed. Users whose org the app never learned are left to the sweep. Returns the ids
 * of the users removed.
 */
export async function applyOrgRemovals(
  db: Database,
  events: readonly IdentityEvent[],
  source: EventSource,
): Promise<string[]> {
  const removals = events.filter(isOrgRemoval);
  if (removals.length === 0) return [];
  return db.transaction(async (tx) => {
    await tx
      .insert(identityEvents)
      .values(
        removals.map((event) => ({
          aggregateType: event.aggregateType,
          aggregateId: event.aggregateId,
          sequence: event.sequence,
          eventType: event.eventType,
          resourceOwner: event.resourceOwner,
          eventTime: new Date(event.createdAt),
          source,
          // The organisation's name is not the app's to keep.
          payload: {},
        })),
      )
      .onConflictDoNothing();
    const orgIds = [...new Set(removals.map((event) => event.aggregateId))];
    return markRemoved(tx, inArray(users.orgId, orgIds));
  });
}
