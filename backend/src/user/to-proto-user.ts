import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { type User, UserSchema, UserState } from '@liverty-music/gen/user/v1';
import type { UserRow } from '../db/schema';

export function toProtoUser(row: UserRow): User {
  return create(UserSchema, {
    id: row.id,
    zitadelUserId: row.zitadelUserId,
    email: row.email ?? '',
    emailVerified: row.emailVerified,
    displayName: row.displayName,
    givenName: row.givenName,
    familyName: row.familyName,
    createdAt: timestampFromDate(row.createdAt),
    updatedAt: timestampFromDate(row.updatedAt),
    state: row.state === 'locked' ? UserState.LOCKED : UserState.ACTIVE,
  });
}
