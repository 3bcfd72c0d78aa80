import type { User } from '@zitadel/proto/zitadel/user/v2/user_pb';
import type { ListUsersRequestJson } from '@zitadel/proto/zitadel/user/v2/user_service_pb';
import { formatMicros, type Micros } from '../zitadel-api/event-instant';
import { type RetryPolicy, withRetries } from '../zitadel-api/retry-zitadel-calls';
import { ZitadelApiError, type ZitadelClient } from '../zitadel-api/zitadel-client';

const PAGE = 1000;

/** ListUsers cannot (yet) show the users of an instant completely; try again later. */
export class UsersNotYetListed extends Error {
  override name = 'UsersNotYetListed';
}

const micros = (timestamp: { seconds: bigint; nanos: number } | undefined): Micros =>
  timestamp
    ? Number(timestamp.seconds) * 1_000_000 + Math.floor(timestamp.nanos / 1000)
    : Number.NaN;

/**
 * Every human user whose creation date is `instant`, from User API v2 ListUsers (approach D of the
 * research document): ListUsers has no creation-date filter, but sorts by
 * USER_FIELD_NAME_CREATION_DATE with offset paging, so the instant's users are one run of offsets,
 * found by binary search and then read page by page.
 *
 * ListUsers reads ZITADEL's user projection, which trails the event store, and sorts on the
 * creation date alone (internal/query/search_query.go: no tie-breaker), so the run is checked:
 * its neighbours lie outside the instant, it holds as many distinct users as offsets, and the
 * projection has processed events past the instant — or, when the instant holds its newest events,
 * its answer stays the same for `settleMs`. Otherwise UsersNotYetListed.
 */
export async function readUsersCreatedAt(
  client: ZitadelClient,
  instant: Micros,
  options: {
    retry: RetryPolicy;
    settleMs: number;
    signal?: AbortSignal;
    onRetry?: (error: Error, attempt: number) => void;
  },
): Promise<User[]> {
  const call = (offset: number, limit: number) =>
    withRetries(
      () =>
        client.listUsers(
          {
            query: { offset: String(offset), limit, asc: true },
            sortingColumn: 'USER_FIELD_NAME_CREATION_DATE',
            queries: [{ typeQuery: { type: 'TYPE_HUMAN' } }],
          } satisfies ListUsersRequestJson,
          options.signal,
        ),
      options.retry,
      {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      },
    );
  const createdAt = async (offset: number): Promise<Micros> => {
    const [user] = (await call(offset, 1)).result;
    const at = micros(user?.details?.creationDate);
    if (!user || Number.isNaN(at)) {
      throw new ZitadelApiError(
        `ListUsers gave no creation date at offset ${offset}`,
        'malformed',
        true,
      );
    }
    return at;
  };
  // The first offset whose creation date passes `test`, in [low, high).
  const search = async (low: number, high: number, test: (at: Micros) => boolean) => {
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (test(await createdAt(middle))) high = middle;
      else low = middle + 1;
    }
    return low;
  };

  const readRun = async () => {
    const head = await call(0, 1);
    const total = Number(head.details?.totalResult ?? 0n);
    const processed = micros(head.details?.timestamp);
    if (!(processed >= instant)) {
      throw new UsersNotYetListed(
        `ZITADEL's user projection has not reached ${formatMicros(instant)} yet (it is at ${Number.isNaN(processed) ? 'nothing' : formatMicros(processed)})`,
      );
    }
    const first = await search(0, total, (at) => at >= instant);
    const end = await search(first, total, (at) => at > instant);
    const users = new Map<string, User>();
    for (let offset = first; offset < end; offset += PAGE) {
      for (const user of (await call(offset, Math.min(PAGE, end - offset))).result) {
        if (micros(user.details?.creationDate) === instant) users.set(user.userId, user);
      }
    }
    // Offsets shift when users are removed meanwhile, and ties have no fixed order: the run must
    // still be bounded by other instants and hold one distinct user per offset.
    const before = first > 0 ? await createdAt(first - 1) : Number.NEGATIVE_INFINITY;
    const after = end < total ? await createdAt(end) : Number.POSITIVE_INFINITY;
    const consistent = before < instant && after > instant && users.size === end - first;
    return { users, consistent, processed, total, size: end - first };
  };

  let run = await readRun();
  for (let attempt = 1; !run.consistent && attempt < 3; attempt++) run = await readRun();
  if (!run.consistent) {
    throw new UsersNotYetListed(
      `ListUsers did not list the users created at ${formatMicros(instant)} consistently (${run.users.size} distinct users for ${run.size} offsets)`,
    );
  }
  if (run.processed === instant) {
    // The projection may be part-way through the instant's transaction: wait and compare.
    await new Promise((resolve) => setTimeout(resolve, options.settleMs));
    const again = await readRun();
    if (!again.consistent || again.size !== run.size || again.processed !== run.processed) {
      throw new UsersNotYetListed(
        `ZITADEL's user projection is still processing ${formatMicros(instant)}`,
      );
    }
    run = again;
  }
  return [...run.users.values()];
}
