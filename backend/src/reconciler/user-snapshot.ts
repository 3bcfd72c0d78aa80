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

const STATE: Record<UserState, AppUserState> = {
  [UserState.UNSPECIFIED]: 'active',
  [UserState.ACTIVE]: 'active',
  // An initial user has no password yet; the app treats it like user.human.added does.
  [UserState.INITIAL]: 'active',
  [UserState.INACTIVE]: 'inactive',
  [UserState.LOCKED]: 'locked',
  [UserState.DELETED]: 'removed',
};

/**
 * A ListUsers user as a write of every field at the user's `details.sequence`. ZITADEL's user
 * projection shows the effect of all of the user's events up to that sequence, so under the
 * per-field rule (a field moves only to a newer sequence) the snapshot is exactly those events:
 * an event newer than the snapshot still applies, an older one is stale either way. Snapshots
 * are not events: they never go into identity_events, so the real events stay applicable.
 * Undefined for machine users (the app provisions people).
 */
export function snapshotOf(user: User): UserFieldWrite | undefined {
  if (user.type.case !== 'human') return undefined;
  const human = user.type.value;
  const sequence = Number(user.details?.sequence ?? 0n);
  const givenName = human.profile?.givenName ?? '';
  const familyName = human.profile?.familyName ?? '';
  const state = STATE[user.state] ?? 'active';
  const values: FieldValues =
    state === 'removed'
      ? { ...FIELD_DEFAULTS, ...ERASED_FIELDS, state }
      : {
          email: human.email?.email || null,
          emailVerified: human.email?.isVerified === true,
          displayName: human.profile?.displayName || `${givenName} ${familyName}`.trim(),
          givenName,
          familyName,
          state,
        };
  return {
    zitadelUserId: user.userId,
    orgId: user.details?.resourceOwner || null,
    creates: true,
    fields: Object.fromEntries(
      FIELD_NAMES.map((field) => [field, { value: values[field], sequence }]),
    ),
  };
}
