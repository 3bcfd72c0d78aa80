/**
 * The backend's own ZITADEL identity: a machine user whose personal access token the reconciler
 * and the sync commands use, instead of the instance owner's (IAM_OWNER) token the setup step
 * itself runs with. It is made an instance member with one role: IAM_OWNER_VIEWER.
 *
 * Why that role: the Event API (AdminService/ListEvents) requires `events.read`, and in ZITADEL's
 * role mappings (cmd/defaults.yaml InternalAuthZ.RolePermissionMappings) only IAM_OWNER and
 * IAM_OWNER_VIEWER grant it; no organization or project role does. IAM_OWNER_VIEWER is the
 * read-only one, and also grants `user.read`/`user.global.read` for User API v2 ListUsers (drift
 * checks, backfill). Anything narrower needs custom role mappings, which replace ZITADEL's
 * defaults wholesale.
 *
 * Requests (proto google.api.http annotations):
 * - management v1 ListUsers             POST /management/v1/users/_search   (userNameQuery)
 * - management v1 AddMachineUser        POST /management/v1/users/machine   {userName, name,
 *                                       description, accessTokenType} → {userId}
 * - admin v1 ListIAMMembers             POST /admin/v1/members/_search      (userIdQuery)
 * - admin v1 AddIAMMember               POST /admin/v1/members              {userId, roles}
 * - admin v1 UpdateIAMMember            PUT  /admin/v1/members/{user_id}    {roles}
 * - management v1 AddPersonalAccessToken POST /management/v1/users/{user_id}/pats → {tokenId, token}
 * - auth v1 GetMyUser                   GET  /auth/v1/users/me (with the PAT: does it still work?)
 *
 * ZITADEL shows a PAT only when it creates it: a token an earlier run wrote for this user
 * (`known`) is reused while it still signs in as this user; otherwise a new one is created.
 */

import type {
  AddIAMMemberRequestJson,
  ListIAMMembersRequestJson,
  ListIAMMembersResponseJson,
  UpdateIAMMemberRequestJson,
} from '@zitadel/proto/zitadel/admin_pb';
import type {
  AddMachineUserRequestJson,
  AddMachineUserResponseJson,
  AddPersonalAccessTokenResponseJson,
  ListUsersRequestJson,
  ListUsersResponseJson,
} from '@zitadel/proto/zitadel/management_pb';
import type { ZitadelClient } from './zitadel-client';

export const RECONCILER_ROLES = ['IAM_OWNER_VIEWER'];

export interface EnsuredReconcilerUser {
  userId: string;
  pat: string;
  created: boolean;
  rolesChanged: boolean;
  patCreated: boolean;
}

/** `checkPat` answers the user id a PAT signs in as, or undefined. */
export async function ensureReconcilerUser(
  client: ZitadelClient,
  {
    userName,
    known = {},
    checkPat,
    log,
  }: {
    userName: string;
    known?: { userId?: string | undefined; pat?: string | undefined };
    checkPat: (pat: string) => Promise<string | undefined>;
    log: (line: string) => void;
  },
): Promise<EnsuredReconcilerUser> {
  const found = await client.post<ListUsersResponseJson>('/management/v1/users/_search', {
    query: { limit: 10 },
    queries: [{ userNameQuery: { userName, method: 'TEXT_QUERY_METHOD_EQUALS' } }],
  } satisfies ListUsersRequestJson);
  const existing = (found.result ?? []).find(
    (user) => user.userName === userName && user.machine !== undefined,
  );
  let userId: string;
  let created = false;
  if (existing) {
    userId = String(existing.id);
  } else {
    const added = await client.post<AddMachineUserResponseJson>('/management/v1/users/machine', {
      userName,
      name: 'liverty-music backend (reconciler)',
      description: 'Reads the Event API and lists users for the liverty-music backend.',
      accessTokenType: 'ACCESS_TOKEN_TYPE_BEARER',
    } satisfies AddMachineUserRequestJson);
    userId = String(added.userId);
    created = true;
  }

  const members = await client.post<ListIAMMembersResponseJson>('/admin/v1/members/_search', {
    query: { limit: 10 },
    queries: [{ userIdQuery: { userId } }],
  } satisfies ListIAMMembersRequestJson);
  const member = (members.result ?? []).find((candidate) => candidate.userId === userId);
  const roles = member?.roles ?? [];
  let rolesChanged = false;
  if (!member) {
    await client.post('/admin/v1/members', {
      userId,
      roles: RECONCILER_ROLES,
    } satisfies AddIAMMemberRequestJson);
    rolesChanged = true;
  } else if (JSON.stringify([...roles].sort()) !== JSON.stringify(RECONCILER_ROLES)) {
    // Exactly these roles: a broader one left from an earlier setup is taken away.
    await client.put(`/admin/v1/members/${encodeURIComponent(userId)}`, {
      roles: RECONCILER_ROLES,
    } satisfies UpdateIAMMemberRequestJson);
    rolesChanged = true;
  }

  let pat = known.userId === userId ? known.pat : undefined;
  if (pat && (await checkPat(pat)) !== userId) pat = undefined;
  let patCreated = false;
  if (!pat) {
    const added = await client.post<AddPersonalAccessTokenResponseJson>(
      `/management/v1/users/${encodeURIComponent(userId)}/pats`,
      {},
    );
    if (!added.token) throw new Error(`ZITADEL created no personal access token for ${userId}`);
    pat = String(added.token);
    patCreated = true;
  }
  log(
    `reconciler machine user "${userName}": ${created ? 'created' : 'found'} ${userId}, ` +
      `instance role ${RECONCILER_ROLES.join(', ')}${rolesChanged ? ' (set)' : ''}, ` +
      `${patCreated ? 'new' : 'existing'} personal access token`,
  );
  return { userId, pat, created, rolesChanged, patCreated };
}
