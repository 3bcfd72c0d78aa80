import type { User } from '@zitadel/proto/zitadel/user/v2/user_pb';
import { type RetryPolicy, withRetries } from '../zitadel-api/retry-zitadel-calls';
import type { ZitadelClient } from '../zitadel-api/zitadel-client';

const PAGE = 1000;

/**
 * Every human user ZITADEL's ListUsers shows (its user projection: current state, removed users
 * gone), an independent source for `sync:drift`. ListUsers sorts on one column without a
 * tie-breaker, so offset pages may overlap or skip among users created at one instant: users are
 * collected by id, and the listing is repeated until it holds `totalResult` distinct users.
 */
export async function listAllUsers(
  client: ZitadelClient,
  retry: RetryPolicy,
): Promise<Map<string, User>> {
  const users = new Map<string, User>();
  let total = 0;
  for (let attempt = 1; attempt <= 3; attempt++) {
    for (let offset = 0; offset === 0 || offset < total; offset += PAGE) {
      const page = await withRetries(
        () =>
          client.listUsers({
            query: { offset: String(offset), limit: PAGE, asc: true },
            sortingColumn: 'USER_FIELD_NAME_CREATION_DATE',
            queries: [{ typeQuery: { type: 'TYPE_HUMAN' } }],
          }),
        retry,
      );
      total = Number(page.details?.totalResult ?? 0n);
      for (const user of page.result) users.set(user.userId, user);
      if (page.result.length === 0) break;
    }
    if (users.size >= total) return users;
  }
  throw new Error(
    `ListUsers reported ${total} users but listed ${users.size} distinct ones in three passes`,
  );
}
