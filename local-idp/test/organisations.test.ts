import type {
  ListUsersRequestJson,
  ListUsersResponseJson,
} from '@zitadel/proto/zitadel/user/v2/user_service_pb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORG_ID } from '../src/fixed-identities';
import type { LocalIdp } from '../src/index';
import { newTestUser } from './support/oidc-client';
import { startTestIdp } from './support/temp-data-dir';
import { postZitadelApi } from './support/zitadel-api';

// Contract tests for removing an organisation, as ZITADEL does it (shared/zitadel.md, "Removing
// an organisation writes `org.removed` on the org aggregate and no event per user; the user
// projection drops that org's users"): internal/command/org.go RemoveOrg pushes one
// org.OrgRemovedEvent; internal/query/projection/user.go reduceOwnerRemoved takes the org's users
// out of what ListUsers reads.

async function dev(idp: LocalIdp, method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(`/__dev${path}`, idp.issuer), {
    method,
    // Every request with a method other than GET declares JSON (dev-admin-guard.ts).
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const everyone: ListUsersRequestJson = {
  query: { offset: '0', limit: 0, asc: true },
  sortingColumn: 'USER_FIELD_NAME_CREATION_DATE',
  queries: [{ typeQuery: { type: 'TYPE_HUMAN' } }],
};

async function listedIds(idp: LocalIdp, request: ListUsersRequestJson = everyone) {
  const { body } = await postZitadelApi<ListUsersResponseJson>(idp, '/v2/users', request);
  return {
    ids: (body.result ?? []).map((user) => user.userId),
    owners: (body.result ?? []).map((user) => user.details?.resourceOwner),
    total: Number(body.details?.totalResult),
  };
}

describe('removing an organisation (dev API, Event API, ListUsers)', () => {
  let idp: LocalIdp;
  let stop: () => Promise<void>;
  let orgId: string;
  let member: string;
  let outsider: string;
  const memberInput = newTestUser('member');

  beforeAll(async () => {
    ({ idp, stop } = await startTestIdp());
    const created = await dev(idp, 'POST', '/orgs', { name: 'Fan club' });
    expect(created.status).toBe(201);
    orgId = String(created.body.id);
    const added = await dev(idp, 'POST', '/users', { ...memberInput, orgId });
    expect(added.status).toBe(201);
    member = String(added.body.id);
    outsider = (await idp.users.create(newTestUser('outsider'))).id;
  });
  afterAll(() => stop());

  it("stamps the member's events and ListUsers entry with its organisation", async () => {
    const events = idp.events.all().filter((event) => event.aggregateId === member);
    expect(events.map((event) => event.resourceOwner)).toEqual(events.map(() => orgId));
    const { ids, owners } = await listedIds(idp);
    expect(owners[ids.indexOf(member)]).toBe(orgId);
    expect(owners[ids.indexOf(outsider)]).toBe(ORG_ID);
    const inOrg = await listedIds(idp, {
      ...everyone,
      queries: [{ organizationIdQuery: { organizationId: orgId } }],
    });
    expect(inOrg.ids).toEqual([member]);
  });

  it('writes org.removed on the org aggregate, no user event, and ListUsers drops the members', async () => {
    const before = idp.events.all().length;
    const listedBefore = await listedIds(idp);
    const removal = await dev(idp, 'DELETE', `/orgs/${orgId}`);
    expect(removal).toMatchObject({ status: 200, body: { removedUserIds: [member] } });
    const written = idp.events.all().slice(before);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      aggregateId: orgId,
      aggregateType: 'org',
      resourceOwner: orgId,
      type: 'org.removed',
    });
    const after = await listedIds(idp);
    expect(after.ids).not.toContain(member);
    expect(after.ids).toContain(outsider);
    expect(after.total).toBe(listedBefore.total - 1);
    // The Event API finds it by aggregate type, as the reconciler asks.
    const { body } = await postZitadelApi<{ events: { type: { type: string } }[] }>(
      idp,
      '/admin/v1/events/_search',
      { asc: true, aggregateTypes: ['org'], eventTypes: ['org.removed'] },
    );
    expect(body.events.map((event) => event.type.type)).toEqual(['org.removed']);
    // The person can no longer sign in: sign-in looks users up by login name (email), and a
    // removed user holds none.
    expect(idp.users.findByEmail(memberInput.email)).toBeUndefined();
    expect(idp.users.get(member)?.state).toBe('removed');
  });

  it('refuses bad input: unknown org, a second removal, the default org, users in a removed org', async () => {
    expect((await dev(idp, 'DELETE', '/orgs/123')).status).toBe(404);
    expect((await dev(idp, 'DELETE', `/orgs/${orgId}`)).status).toBe(404);
    expect((await dev(idp, 'DELETE', `/orgs/${ORG_ID}`)).status).toBe(409);
    expect((await dev(idp, 'POST', '/users', { ...newTestUser('late'), orgId })).status).toBe(404);
    expect((await dev(idp, 'POST', '/orgs', { name: '' })).status).toBe(400);
    expect((await dev(idp, 'POST', '/orgs', { name: 'x', extra: 1 })).status).toBe(400);
  });
});
