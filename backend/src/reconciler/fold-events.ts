import type { UserRow } from '../db/schema';
import {
  changesFromEvent,
  createsUser,
  type IdentityEvent,
  isHandled,
} from '../provisioning/identity-event';
import type { UserFieldWrite } from '../provisioning/upsert-user-fields';
import {
  type FieldChanges,
  type FieldName,
  foldWrite,
  type SequencedFields,
  unsetFields,
} from '../provisioning/user-fields';

/** A user as ZITADEL's event history describes it. */
export type ZitadelUser = Pick<UserRow, 'zitadelUserId' | FieldName>;

/**
 * Replays events in memory with the same rule as applyIdentityEvents (foldWrite: each field keeps
 * its newest event), so what ZITADEL says can be compared with the app database without writing.
 * Snapshots (ListUsers, for instants the Event API cannot page through) count as writes of their
 * fields at their sequence, as upsertUserFields applies them. Like the app, it keeps only users
 * something proved human (machine users' state events are folded but not returned).
 */
export function foldEvents(
  events: Iterable<IdentityEvent>,
  snapshots: Iterable<UserFieldWrite> = [],
): Map<string, ZitadelUser> {
  const users = new Map<string, { fields: SequencedFields; human: boolean }>();
  const fold = (
    zitadelUserId: string,
    creates: boolean,
    write: (fields: SequencedFields) => void,
  ) => {
    let entry = users.get(zitadelUserId);
    if (!entry) {
      entry = { fields: unsetFields(), human: false };
      users.set(zitadelUserId, entry);
    }
    entry.human ||= creates;
    write(entry.fields);
  };
  for (const event of events) {
    if (!isHandled(event)) continue;
    fold(event.aggregateId, createsUser(event), (fields) =>
      foldWrite(fields, changesFromEvent(event), event.sequence),
    );
  }
  for (const snapshot of snapshots) {
    fold(snapshot.zitadelUserId, snapshot.creates, (fields) => {
      for (const [field, write] of Object.entries(snapshot.fields)) {
        foldWrite(fields, { [field]: write.value } as FieldChanges, write.sequence);
      }
    });
  }
  return new Map(
    [...users]
      .filter(([, entry]) => entry.human)
      .map(([zitadelUserId, entry]) => [zitadelUserId, { zitadelUserId, ...entry.fields.values }]),
  );
}
