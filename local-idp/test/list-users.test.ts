import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import type { ListUsersRequestJson } from '@zitadel/proto/zitadel/user/v2/user_service_pb';
import {
  type ListUsersResponseJson,
  ListUsersResponseSchema,
} from '@zitadel/proto/zitadel/user/v2/user_service_pb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalIdp } from '../src/index';
import { newTestUser } from './support/oidc-client';
import { startTestIdp } from './support/temp-data-dir';
import { postZitadelApi } from './support/zitadel-api';

// Contract tests for User API v2 ListUsers (`POST /v2/users`, zitadel.user.v2.UserService), the
// sync's way to read users the Event API cannot page through. Each names the ZITADEL source
// (github:zitadel/zitadel) of its rule; types come from ZITADEL's protos (@zitadel/proto).

async function listUsers(idp: LocalIdp, body: ListUsersRequestJson | unknown, pat = idp.adminPat) {
  const answer = await postZitadelApi<ListUsersResponseJson>(idp, '/v2/users', body, pat);
  return { ...answer, users: answer.body.result ?? [] };
}

const byCreation = (offset: number, limit: number, asc = true): ListUsersRequestJson => ({
  query: { offset: String(offset), limit, asc },
  sortingColumn: 'USER_FIELD_NAME_CREATION_DATE',
  queries: [{ typeQuery: { type: 'TYPE_HUMAN' } }],
});

describe('ListUsers (POST /v2/users) contract', () => {
  let idp: LocalIdp;
  let stop: () => Promise<void>;
  let early: string;
  let bulk: { id: string }[];
  let bulkAt: string;
  let late: string;
  let removed: string;

  beforeAll(async () => {
    ({ idp, stop } = await startTestIdp());
    early = (await idp.users.create({ ...newTestUser('early'), emailVerified: true })).id;
    const burst = await idp.users.createBurst({ count: 30 });
    bulk = burst.users;
    bulkAt = burst.firstCreationDate;
    late = (await idp.users.create(newTestUser('late'))).id;
    await idp.users.update(late, { givenName: 'Later' });
    removed = (await idp.users.create(newTestUser('gone'))).id;
    idp.users.remove(removed);
  });
  afterAll(() => stop());

  it('rejects a missing PAT like ZITADEL (401, code 16)', async () => {
    const { status, body } = await listUsers(idp, {}, '');
    expect(status).toBe(401);
    expect(body.code).toBe(16);
  });

  // internal/api/grpc/user/v2 (UserToPb): details.sequence is the projection row's sequence (its
  // newest event), details.creationDate its creation date; the body is a
  // zitadel.user.v2.ListUsersResponse.
  it('answers ZITADEL’s ListUsersResponse with each user’s current state and sequence', async () => {
    const { status, body, users } = await listUsers(idp, byCreation(0, 100));
    expect(status).toBe(200);
    expect(() =>
      fromJson(ListUsersResponseSchema, body as JsonObject, { ignoreUnknownFields: false }),
    ).not.toThrow();
    const lateUser = users.find((user) => user.userId === late);
    const lateEvents = idp.events.all().filter((event) => event.aggregateId === late);
    expect(lateUser).toMatchObject({
      userId: late,
      state: 'USER_STATE_ACTIVE',
      details: {
        sequence: String(lateEvents.at(-1)?.sequence),
        creationDate: lateEvents[0]?.creationDate,
        changeDate: lateEvents.at(-1)?.creationDate,
        resourceOwner: idp.orgId,
      },
      human: {
        profile: { givenName: 'Later', familyName: 'Tanaka', displayName: 'Later Tanaka' },
        email: { isVerified: false },
      },
    });
    expect(users.find((user) => user.userId === early)?.human?.email?.isVerified).toBe(true);
    // ToListDetails: totalResult counts every match; timestamp is the projection's newest event.
    expect(body.details?.totalResult).toBe(String(2 + bulk.length));
    expect(body.details?.timestamp).toBe(idp.events.all().at(-1)?.creationDate);
  });

  // The user projection deletes a removed user's row: ListUsers no longer lists it.
  it('does not list removed users', async () => {
    const { users } = await listUsers(idp, byCreation(0, 1000));
    expect(users.map((user) => user.userId)).not.toContain(removed);
    const { users: byId } = await listUsers(idp, {
      queries: [{ inUserIdsQuery: { userIds: [removed, early] } }],
    });
    expect(byId.map((user) => user.userId)).toEqual([early]);
  });

  // internal/query/search_query.go (SearchRequest.toQuery): ORDER BY the sorting column, DESC
  // unless `asc`, OFFSET/LIMIT, no limit when 0; internal/api/grpc/user/v2 maps
  // USER_FIELD_NAME_CREATION_DATE to the creation date column.
  it('sorts by creation date with offset paging, descending unless asc', async () => {
    const { users: all } = await listUsers(idp, byCreation(0, 0));
    expect(all.map((user) => user.userId)).toEqual([early, ...bulk.map((user) => user.id), late]);
    const dates = all.map((user) => user.details?.creationDate ?? '');
    expect([...dates].sort()).toEqual(dates);
    expect(dates.filter((date) => date === bulkAt)).toHaveLength(bulk.length);

    const pages = [];
    for (let offset = 0; offset < all.length; offset += 7) {
      pages.push(...(await listUsers(idp, byCreation(offset, 7))).users);
    }
    expect(pages.map((user) => user.userId)).toEqual(all.map((user) => user.userId));
    const { users: newest } = await listUsers(idp, byCreation(0, 2, false));
    expect(newest.map((user) => user.userId)).toEqual([late, bulk.at(-1)?.id]);
    const { users: single } = await listUsers(idp, byCreation(1, 1));
    expect(single.map((user) => user.details?.creationDate)).toEqual([bulkAt]);
  });

  it('filters by state, organization and email like ZITADEL’s user queries', async () => {
    idp.users.lock(early);
    try {
      const { users: locked } = await listUsers(idp, {
        queries: [{ stateQuery: { state: 'USER_STATE_LOCKED' } }],
      });
      expect(locked.map((user) => user.userId)).toEqual([early]);
    } finally {
      idp.users.unlock(early);
    }
    const { users: inOrg } = await listUsers(idp, {
      queries: [{ organizationIdQuery: { organizationId: idp.orgId } }],
    });
    expect(inOrg).toHaveLength(2 + bulk.length);
    const { users: machines } = await listUsers(idp, {
      queries: [{ typeQuery: { type: 'TYPE_MACHINE' } }],
    });
    expect(machines).toEqual([]);
    const email = idp.users.get(late)?.email ?? '';
    const { users: byEmail } = await listUsers(idp, {
      queries: [
        {
          emailQuery: {
            emailAddress: email.toUpperCase(),
            method: 'TEXT_QUERY_METHOD_EQUALS_IGNORE_CASE',
          },
        },
      ],
    });
    expect(byEmail.map((user) => user.userId)).toEqual([late]);
  });

  it('rejects malformed requests with code 3 and queries it does not implement with code 12', async () => {
    for (const body of [
      { query: { limit: -1 } },
      { query: { offset: 'ten' } },
      { queries: [{}] },
    ]) {
      expect(await listUsers(idp, body), JSON.stringify(body)).toMatchObject({
        status: 400,
        body: { code: 3 },
      });
    }
    expect(
      await listUsers(idp, {
        queries: [{ phoneQuery: { number: '+41', method: 'TEXT_QUERY_METHOD_EQUALS' } }],
      }),
    ).toMatchObject({ status: 501, body: { code: 12 } });
  });
});
