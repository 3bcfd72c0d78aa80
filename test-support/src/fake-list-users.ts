import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import { Type } from '@zitadel/proto/zitadel/user/v2/query_pb';
import type { UserJson } from '@zitadel/proto/zitadel/user/v2/user_pb';
import {
  ListUsersRequestSchema,
  type ListUsersResponseJson,
} from '@zitadel/proto/zitadel/user/v2/user_service_pb';

export const TEST_ORG_ID = '336392597046099971';

/** What a test can make ListUsers do wrong. */
export interface ListUsersFaults {
  /** The next this-many requests answer 503. */
  failures: number;
  /** Pages from this offset on hold one user fewer than they should (a page cut short). */
  cutPagesFrom?: number;
  /** Added to `totalResult` (ZITADEL counting users its pages do not hold). */
  extraTotal?: number;
}

/**
 * ListUsers over a test's list of users, with ZITADEL's rules (internal/query/user.go,
 * internal/api/grpc/user/v2/query.go; see shared/zitadel.md): `typeQuery`, `inUserIdsQuery`,
 * `organizationIdQuery`; sorted on the one column asked (creation date here) with no tie-breaker;
 * descending unless `asc`; offset paging, limit 0 = all; `totalResult` counts every match.
 */
export function answerListUsers(
  users: readonly UserJson[],
  body: JsonObject,
  faults: ListUsersFaults,
): ListUsersResponseJson {
  const request = fromJson(ListUsersRequestSchema, body, { ignoreUnknownFields: true });
  const matches = users.filter((user) =>
    request.queries.every((query) => {
      const q = query.query;
      switch (q.case) {
        case 'typeQuery':
          return (q.value.type === Type.HUMAN) === (user.human !== undefined);
        case 'inUserIdsQuery':
          return q.value.userIds.includes(user.userId ?? '');
        case 'organizationIdQuery':
          return user.details?.resourceOwner === q.value.organizationId;
        default:
          throw new Error(`${q.case} is not served by the test ListUsers`);
      }
    }),
  );
  const sorted = [...matches].sort((a, b) =>
    compare(a.details?.creationDate ?? '', b.details?.creationDate ?? ''),
  );
  if (!request.query?.asc) sorted.reverse();
  const offset = Number(request.query?.offset ?? 0n);
  const limit = request.query?.limit ?? 0;
  let page = sorted.slice(offset, limit > 0 ? offset + limit : undefined);
  if (faults.cutPagesFrom !== undefined && offset >= faults.cutPagesFrom) page = page.slice(1);
  return {
    details: { totalResult: String(matches.length + (faults.extraTotal ?? 0)) },
    result: page,
  };
}

/** A human as ListUsers shows it. */
export function listedHuman(options: {
  userId: string;
  email: string;
  sequence: number;
  creationDate: string;
  orgId?: string;
  givenName?: string;
  familyName?: string;
  state?: UserJson['state'];
}): UserJson {
  const givenName = options.givenName ?? 'Minnie';
  const familyName = options.familyName ?? 'Mouse';
  return {
    userId: options.userId,
    details: {
      sequence: String(options.sequence),
      creationDate: options.creationDate,
      changeDate: options.creationDate,
      resourceOwner: options.orgId ?? TEST_ORG_ID,
    },
    state: options.state ?? 'USER_STATE_ACTIVE',
    username: options.email,
    human: {
      profile: { givenName, familyName, displayName: `${givenName} ${familyName}` },
      email: { email: options.email, isVerified: true },
    },
  };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
