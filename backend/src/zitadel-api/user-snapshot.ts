import type { User } from '@zitadel/proto/zitadel/user/v2/user_pb';
import { UserState } from '@zitadel/proto/zitadel/user/v2/user_pb';
import type { UserState as AppUserState } from '../db/schema';
import type { UserFieldWrite } from '../provisioning/upsert-user-fields';
import {
  ERASED_FIELDS,
  FIELD_DEFAULTS,
  FIELD_NAMES,
  type FieldValues,
} from '../provisioning/user-fields';
import type { ListedUser } from './parse-listed-users';

const STATE: Record<UserState, AppUserState> = {
  [UserState.UNSPECIFIED]: 'active',
  [UserState.ACTIVE]: 'active',
  // An initial user has no password yet; the app treats it like user.human.added does.
  [UserState.INITIAL]: 'active',
  [UserState.INACTIVE]: 'inactive',
  [UserState.LOCKED]: 'locked',
  [UserState.DELETED]: 'removed',
};

/** A ListUsers user (protobuf-es message) in the app's terms. */
export function listedOf(user: User): ListedUser {
  const listed: ListedUser = {
    userId: user.userId,
    sequence: Number(user.details?.sequence ?? 0n),
    orgId: user.details?.resourceOwner || null,
    state: STATE[user.state] ?? 'active',
  };
  if (user.type.case === 'human') {
    const human = user.type.value;
    const givenName = human.profile?.givenName ?? '';
    const familyName = human.profile?.familyName ?? '';
    listed.human = {
      email: human.email?.email || null,
      emailVerified: human.email?.isVerified === true,
      givenName,
      familyName,
      displayName: human.profile?.displayName || `${givenName} ${familyName}`.trim(),
    };
  }
  return listed;
}

/**
 * A ListUsers user as a write of every field at the user's `details.sequence`. ZITADEL's user
 * projection shows the effect of all of the user's events up to that sequence, so under the
 * per-field rule (a field moves only to a newer sequence) the snapshot is exactly those events:
 * an event newer than the snapshot still applies, an older one is stale either way. Snapshots
 * are not events: they never go into identity_events, so the real events stay applicable.
 * Undefined for machine users (the app provisions people).
 */
export function snapshotOf(user: User | ListedUser): UserFieldWrite | undefined {
  const listed = '$typeName' in user ? listedOf(user) : user;
  const human = listed.human;
  if (!human) return undefined;
  const state = listed.state;
  const values: FieldValues =
    state === 'removed' ? { ...FIELD_DEFAULTS, ...ERASED_FIELDS, state } : { ...human, state };
  return {
    zitadelUserId: listed.userId,
    orgId: listed.orgId,
    creates: true,
    fields: Object.fromEntries(
      FIELD_NAMES.map((field) => [field, { value: values[field], sequence: listed.sequence }]),
    ),
  };
}
