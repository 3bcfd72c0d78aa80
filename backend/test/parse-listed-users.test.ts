import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import { listedHuman } from '@liverty-music/test-support/fake-list-users';
import { ListUsersResponseSchema } from '@zitadel/proto/zitadel/user/v2/user_service_pb';
import { describe, expect, it } from 'vitest';
import { parseListedUsers } from '../src/zitadel-api/parse-listed-users';
import { listedOf } from '../src/zitadel-api/user-snapshot';

const malformed = (why: string) => new Error(why);

// The sweep reads ListUsers (zitadel.user.v2.ListUsersResponse, JSON mapping) field by field; it
// must read exactly what protobuf-es' fromJson reads with ZITADEL's own schema (@zitadel/proto).
describe('parseListedUsers', () => {
  const answer = {
    details: { totalResult: '4', timestamp: '2026-12-07T10:00:00.123456Z' },
    sortingColumn: 'USER_FIELD_NAME_CREATION_DATE',
    result: [
      listedHuman({
        userId: '1',
        email: 'a@x.io',
        sequence: 7,
        creationDate: '2026-12-07T10:00:00Z',
      }),
      {
        ...listedHuman({
          userId: '2',
          email: 'b@x.io',
          sequence: 3,
          creationDate: '2026-12-07T10:00:01Z',
        }),
        state: 'USER_STATE_LOCKED',
      },
      // A human with no display name, no email, and the state as a number (DELETED = 3).
      {
        userId: '3',
        details: { sequence: '9' },
        state: 3,
        human: { profile: { givenName: 'G', familyName: 'F' } },
      },
      {
        userId: '4',
        details: { sequence: '2', resourceOwner: 'o' },
        state: 'USER_STATE_INITIAL',
        machine: { name: 'svc' },
      },
    ],
  };

  it("reads what protobuf-es reads with ZITADEL's schema", () => {
    const parsed = parseListedUsers(answer, malformed);
    const reference = fromJson(ListUsersResponseSchema, answer as unknown as JsonObject);
    expect(parsed.totalResult).toBe(4);
    expect(parsed.users).toEqual(reference.result.map(listedOf));
    expect(parsed.users[2]).toMatchObject({
      state: 'removed',
      human: { displayName: 'G F', email: null },
    });
    expect(parsed.users[3]?.human).toBeUndefined();
  });

  it.each([
    ['not an object', [], /not a JSON object/],
    ['result not a list', { result: {} }, /not a list/],
    ['a user without id', { result: [{ details: {} }] }, /has no id/],
    ['an unknown state', { result: [{ userId: '1', state: 'USER_STATE_ZOMBIE' }] }, /has state/],
    ['a total that is not a count', { details: { totalResult: 'many' } }, /not a count/],
    [
      'a sequence that is not one',
      { result: [{ userId: '1', details: { sequence: '-1' } }] },
      /bad sequence/,
    ],
    ['a human that is not an object', { result: [{ userId: '1', human: 'yes' }] }, /not an object/],
  ])('refuses %s', (_what, json, message) => {
    expect(() => parseListedUsers(json, malformed)).toThrow(message);
  });
});
