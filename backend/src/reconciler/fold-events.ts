import type { UserState } from '../db/schema';
import {
  changesFromEvent,
  type FieldChanges,
  type IdentityEvent,
  isHandled,
} from '../provisioning/identity-event';
import type { UserFieldWrite } from '../provisioning/upsert-user-fields';

/** A user as ZITADEL's event history describes it. */
export interface ZitadelUser {
  zitadelUserId: string;
  email: string | null;
  emailVerified: boolean;
  displayName: string;
  givenName: string;
  familyName: string;
  state: UserState;
}

/**
 * Replays events in memory with the same rules as applyIdentityEvent (each field keeps its
 * newest event), so what ZITADEL says can be compared with the app database without writing.
 * Snapshots (ListUsers, for instants the Event API cannot page through) count as writes of their
 * fields at their sequence, as upsertUserFields applies them.
 */
export function foldEvents(
  events: Iterable<IdentityEvent>,
  snapshots: Iterable<UserFieldWrite> = [],
): Map<string, ZitadelUser> {
  const users = new Map<
    string,
    { user: ZitadelUser; sequences: Partial<Record<keyof FieldChanges, number>> }
  >();
  for (const event of events) {
    if (!isHandled(event)) continue;
    let entry = users.get(event.aggregateId);
    if (!entry) {
      entry = {
        user: {
          zitadelUserId: event.aggregateId,
          email: null,
          emailVerified: false,
          displayName: '',
          givenName: '',
          familyName: '',
          state: 'active',
        },
        sequences: {},
      };
      users.set(event.aggregateId, entry);
    }
    const changes = changesFromEvent(event);
    for (const field of Object.keys(changes) as (keyof FieldChanges)[]) {
      if ((entry.sequences[field] ?? 0) < event.sequence) {
        entry.sequences[field] = event.sequence;
        Object.assign(entry.user, { [field]: changes[field] });
      }
    }
  }
  for (const snapshot of snapshots) {
    let entry = users.get(snapshot.zitadelUserId);
    if (!entry) {
      entry = {
        user: {
          zitadelUserId: snapshot.zitadelUserId,
          email: null,
          emailVerified: false,
          displayName: '',
          givenName: '',
          familyName: '',
          state: 'active',
        },
        sequences: {},
      };
      users.set(snapshot.zitadelUserId, entry);
    }
    for (const [field, write] of Object.entries(snapshot.fields) as [
      keyof FieldChanges,
      { value: unknown; sequence: number },
    ][]) {
      if ((entry.sequences[field] ?? 0) < write.sequence) {
        entry.sequences[field] = write.sequence;
        Object.assign(entry.user, { [field]: write.value });
      }
    }
  }
  return new Map([...users].map(([id, entry]) => [id, entry.user]));
}
