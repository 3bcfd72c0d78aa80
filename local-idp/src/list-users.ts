import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import { TextQueryMethod } from '@zitadel/proto/zitadel/object/v2/object_pb';
import type { SearchQuery } from '@zitadel/proto/zitadel/user/v2/query_pb';
import { Type, UserFieldName } from '@zitadel/proto/zitadel/user/v2/query_pb';
import type { UserJson, UserStateJson } from '@zitadel/proto/zitadel/user/v2/user_pb';
import { UserState } from '@zitadel/proto/zitadel/user/v2/user_pb';
import {
  type ListUsersRequest,
  ListUsersRequestSchema,
  type ListUsersResponseJson,
} from '@zitadel/proto/zitadel/user/v2/user_service_pb';
import type { EventLog } from './event-log';
import { displayName } from './user-account-input';
import type { UserState as LocalUserState, User } from './user-store';

/**
 * ZITADEL's User API v2 `ListUsers` (`POST /v2/users`, zitadel.user.v2.UserService), with types
 * from ZITADEL's protos. Like ZITADEL it lists the user projection's current state, not history:
 * - removed users are gone from it (the projection deletes their row on `user.removed`), and so are
 *   the users of a removed organisation (`org.removed`: reduceOwnerRemoved; organisations.ts);
 * - `details.sequence` is the sequence of the user's newest event, `details.creationDate` its first
 *   event's date, `details.changeDate` its newest event's (internal/api/grpc/user/v2, UserToPb);
 * - `query {offset, limit, asc}`: default descending, limit 0 means no limit, and the sort is on
 *   the sorting column alone with no tie-breaker (internal/query/search_query.go,
 *   SearchRequest.toQuery); ties keep creation order here;
 * - `details.totalResult` counts every match, `details.timestamp` is the newest event the
 *   projection has processed (ToListDetails: the projection state's EventCreatedAt).
 */

/** A request rejected like grpc-gateway would (code 3 = INVALID_ARGUMENT). */
export class InvalidListUsers extends Error {}
/** A query this stand-in does not implement (code 12 = UNIMPLEMENTED). */
export class UnsupportedListUsers extends Error {}

const STATE: Record<LocalUserState, UserState> = {
  active: UserState.ACTIVE,
  inactive: UserState.INACTIVE,
  locked: UserState.LOCKED,
  removed: UserState.DELETED,
};
const STATE_JSON: Record<LocalUserState, UserStateJson> = {
  active: 'USER_STATE_ACTIVE',
  inactive: 'USER_STATE_INACTIVE',
  locked: 'USER_STATE_LOCKED',
  removed: 'USER_STATE_DELETED',
};

interface Listed {
  user: User;
  sequence: number;
  createdAt: string;
  changedAt: string;
}

function text(method: TextQueryMethod, value: string, wanted: string): boolean {
  const ignoreCase = method % 2 === 1;
  const a = ignoreCase ? value.toLowerCase() : value;
  const b = ignoreCase ? wanted.toLowerCase() : wanted;
  switch (method) {
    case TextQueryMethod.EQUALS:
    case TextQueryMethod.EQUALS_IGNORE_CASE:
      return a === b;
    case TextQueryMethod.STARTS_WITH:
    case TextQueryMethod.STARTS_WITH_IGNORE_CASE:
      return a.startsWith(b);
    case TextQueryMethod.CONTAINS:
    case TextQueryMethod.CONTAINS_IGNORE_CASE:
      return a.includes(b);
    case TextQueryMethod.ENDS_WITH:
    case TextQueryMethod.ENDS_WITH_IGNORE_CASE:
      return a.endsWith(b);
    default:
      throw new InvalidListUsers(`unknown text query method ${method}`);
  }
}

function matcher(query: SearchQuery, orgId: string): (entry: Listed) => boolean {
  const q = query.query;
  switch (q.case) {
    case 'typeQuery':
      // Every user of the local identity provider is human.
      return () => q.value.type === Type.HUMAN;
    case 'stateQuery':
      return ({ user }) => STATE[user.state] === q.value.state;
    case 'inUserIdsQuery': {
      const ids = new Set(q.value.userIds);
      return ({ user }) => ids.has(user.id);
    }
    case 'organizationIdQuery':
      return ({ user }) => q.value.organizationId === (user.orgId ?? orgId);
    case 'emailQuery':
      return ({ user }) => text(q.value.method, user.email, q.value.emailAddress);
    case 'userNameQuery':
      return ({ user }) => text(q.value.method, user.email, q.value.userName);
    case 'andQuery': {
      const all = q.value.queries.map((inner) => matcher(inner, orgId));
      return (entry) => all.every((match) => match(entry));
    }
    case 'orQuery': {
      const any = q.value.queries.map((inner) => matcher(inner, orgId));
      return (entry) => any.some((match) => match(entry));
    }
    case 'notQuery': {
      const inner = q.value.query ? matcher(q.value.query, orgId) : () => true;
      return (entry) => !inner(entry);
    }
    case undefined:
      throw new InvalidListUsers('List.Query.Invalid');
    default:
      throw new UnsupportedListUsers(`${q.case} is not implemented by the local identity provider`);
  }
}

const SORT_KEY: Partial<Record<UserFieldName, (entry: Listed) => string>> = {
  [UserFieldName.USER_NAME]: ({ user }) => user.email,
  [UserFieldName.EMAIL]: ({ user }) => user.email,
  [UserFieldName.FIRST_NAME]: ({ user }) => user.givenName,
  [UserFieldName.LAST_NAME]: ({ user }) => user.familyName,
  [UserFieldName.DISPLAY_NAME]: ({ user }) => displayName(user),
  [UserFieldName.NICK_NAME]: () => '',
  [UserFieldName.STATE]: ({ user }) => String(STATE[user.state]),
  [UserFieldName.TYPE]: () => '',
};

export function toUserJson(entry: Listed, orgId: string): UserJson {
  const { user } = entry;
  return {
    userId: user.id,
    details: {
      sequence: String(entry.sequence),
      changeDate: entry.changedAt,
      resourceOwner: user.orgId ?? orgId,
      creationDate: entry.createdAt,
    },
    state: STATE_JSON[user.state],
    username: user.email,
    loginNames: [user.email],
    preferredLoginName: user.email,
    human: {
      profile: {
        givenName: user.givenName,
        familyName: user.familyName,
        displayName: displayName(user),
        preferredLanguage: 'en',
      },
      email: { email: user.email, isVerified: user.emailVerified },
    },
  };
}

export function listUsers(
  deps: { events: EventLog; user: (id: string) => User | undefined; orgId: string },
  body: unknown,
): ListUsersResponseJson {
  let request: ListUsersRequest;
  try {
    request = fromJson(ListUsersRequestSchema, body as JsonObject, { ignoreUnknownFields: true });
  } catch (error) {
    throw new InvalidListUsers(`invalid ListUsersRequest: ${(error as Error).message}`);
  }
  const matchers = request.queries.map((query) => matcher(query, deps.orgId));
  const found: Listed[] = [];
  for (const id of deps.events.creationOrder()) {
    const user = deps.user(id);
    const state = deps.events.aggregate(id);
    if (!user || !state || user.state === 'removed') continue;
    const entry = { user, ...state };
    if (matchers.every((match) => match(entry))) found.push(entry);
  }
  const column = request.sortingColumn;
  const sortKey = SORT_KEY[column];
  if (column === UserFieldName.UNSPECIFIED) {
    found.sort((a, b) => (a.user.id < b.user.id ? -1 : a.user.id > b.user.id ? 1 : 0));
  } else if (sortKey) {
    // Array.prototype.sort is stable: ties keep creation order.
    found.sort((a, b) => {
      const x = sortKey(a).toLowerCase();
      const y = sortKey(b).toLowerCase();
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
  // CREATION_DATE: `found` is already in creation order.
  if (!request.query?.asc) found.reverse();
  const offset = Number(request.query?.offset ?? 0n);
  const limit = request.query?.limit ?? 0;
  const page = found.slice(offset, limit > 0 ? offset + limit : undefined);
  const newest = deps.events.all().at(-1);
  return {
    details: {
      totalResult: String(found.length),
      processedSequence: String(newest?.sequence ?? 0),
      ...(newest ? { timestamp: newest.creationDate } : {}),
    },
    sortingColumn: UserFieldName[column]
      ? (`USER_FIELD_NAME_${UserFieldName[column]}` as ListUsersResponseJson['sortingColumn'])
      : 'USER_FIELD_NAME_UNSPECIFIED',
    result: page.map((entry) => toUserJson(entry, deps.orgId)),
  };
}
