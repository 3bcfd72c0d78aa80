import type { ListedUser } from '../zitadel-api/parse-listed-users';
import { type RetryPolicy, withRetries } from '../zitadel-api/retry-zitadel-calls';
import type { ZitadelClient } from '../zitadel-api/zitadel-client';

/** One ListUsers page, with what ZITADEL said the whole listing holds when it answered. */
export interface UserPage {
  offset: number;
  users: ListedUser[];
  totalResult: number;
}

/** Why a listing cannot be trusted to say who is gone; undefined while it still can. */
export type Incompleteness = string | undefined;

/**
 * Pages through every human in ListUsers (`POST /v2/users`), oldest first. ZITADEL sorts on the
 * one column with no tie-breaker, so offset pages can overlap or skip where users share a creation
 * date, and a user removed mid-listing shifts the later pages. Sorting by creation date puts users
 * created meanwhile at the end (the reconciler handles them); the caller checks that the distinct
 * users listed number `totalResult`. A page shorter than its limit before `totalResult` is reached
 * ends the listing: `cutShort` says so.
 */
export async function* listUserPages(
  client: ZitadelClient,
  options: { pageSize: number; retry: RetryPolicy; signal?: AbortSignal },
): AsyncGenerator<UserPage, { cutShort: Incompleteness }> {
  let total = 0;
  for (let offset = 0; offset === 0 || offset < total; ) {
    const answer = await withRetries(
      () =>
        client.listUserPage(
          {
            query: { offset: String(offset), limit: options.pageSize, asc: true },
            sortingColumn: 'USER_FIELD_NAME_CREATION_DATE',
            queries: [{ typeQuery: { type: 'TYPE_HUMAN' } }],
          },
          options.signal,
        ),
      options.retry,
    );
    total = answer.totalResult;
    const users = answer.users;
    if (users.length > options.pageSize) {
      return { cutShort: `a page held ${users.length} users for a limit of ${options.pageSize}` };
    }
    yield { offset, users, totalResult: total };
    if (users.length < options.pageSize && offset + users.length < total) {
      return {
        cutShort: `the page at offset ${offset} held ${users.length} users while ${total} were reported`,
      };
    }
    if (users.length === 0) break;
    offset += users.length;
  }
  return { cutShort: undefined };
}
