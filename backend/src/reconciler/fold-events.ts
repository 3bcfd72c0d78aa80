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
  const fold = (zitadelUserId: string, writes: [keyof FieldChanges, unknown, number][]) => {
    let entry = users.get(zitadelUserId);
    if (!entry) {
      entry = {
        user: {
          zitadelUserId,
          email: null,
          emailVerified: false,
          displayName: '',
          givenName: '',
          familyName: '',
          state: 'active',
        },
        sequences: {},
      };
      users.set(zitadelUserId, entry);
    }
    for (const [field, value, sequence] of writes) {
      if ((entry.sequences[field] ?? 0) < sequence) {
        entry.sequences[field] = sequence;
        Object.assign(entry.user, { [field]: value });
      }
    }
  };
  for (const event of events) {
    if (!isHandled(event)) continue;
    const changes = changesFromEvent(event);
    fold(
      event.aggregateId,
      (Object.keys(changes) as (keyof FieldChanges)[]).map((field) => [
        field,
        changes[field],
        event.sequence,
      ]),
    );
  }
  for (const snapshot of snapshots) {
    fold(
      snapshot.zitadelUserId,
      Object.entries(snapshot.fields).map(([field, write]) => [
        field as keyof FieldChanges,
        write.value,
        write.sequence,
      ]),
    );
  }
  return new Map([...users].map(([id, entry]) => [id, entry.user]));
}
