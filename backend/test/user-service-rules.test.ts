import { randomUUID } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { UserState } from '@liverty-music/gen/user/v1';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { APP_USER_ID_CLAIM } from '../src/auth/app-user-id-claim';
import { type UserState as RowState, users } from '../src/db/schema';
import { backendUnderTest } from './support/backend-under-test';
import { newUserId } from './support/zitadel-events';

// Rules of the user service that a mutation run (docs/mutation-testing.md) found no test holding:
// which path a new row is counted under, what a blocked account is told, how a row's state and a
// missing email reach the client.
describe('user service rules', () => {
  const backend = backendUnderTest();
  const bearer = async (sub: string, email?: string) => ({
    headers: {
      authorization: `Bearer ${await backend.issuer.issue(email ? { sub, email } : { sub })}`,
    },
  });

  async function provisioned(source: string): Promise<number> {
    const body = await (await fetch(backend.server.metricsUrl)).text();
    const line = `liverty_users_provisioned_total{source="${source}"} `;
    const found = body.split('\n').find((each) => each.startsWith(line));
    return found === undefined ? 0 : Number(found.slice(line.length));
  }

  async function insertUser(state: RowState, claimed: boolean) {
    const zitadelUserId = newUserId();
    await backend.database.handle.db.insert(users).values({
      zitadelUserId,
      displayName: 'Minnie Mouse',
      state,
      claimId: claimed ? randomUUID() : null,
    });
    return zitadelUserId;
  }

  const rowOf = async (zitadelUserId: string) =>
    (
      await backend.database.handle.db
        .select()
        .from(users)
        .where(eq(users.zitadelUserId, zitadelUserId))
    )[0];
  const claiming = async (sub: string, appUserId: string) => ({
    headers: {
      authorization: `Bearer ${await backend.issuer.issue({ sub }, { claims: { [APP_USER_ID_CLAIM]: appUserId } })}`,
    },
  });

  it('trusts a token naming its own row to claim it without userinfo, from memory afterwards', async () => {
    const sub = await insertUser('active', false);
    const id = (await rowOf(sub))?.id ?? '';
    const asked = backend.issuer.counts.userinfo;
    const provisionedBefore = await provisioned('get_or_create');
    const first = await backend.server.client().getOrCreate({}, await claiming(sub, id));
    const again = await backend.server.client().getOrCreate({}, await claiming(sub, id));
    expect([first.created, first.user?.id, again.created, again.user?.id]).toEqual([
      true,
      id,
      false,
      id,
    ]);
    expect(backend.issuer.counts.userinfo - asked).toBe(0);
    expect((await rowOf(sub))?.claimId).not.toBeNull();
    // The row was there before (the enricher inserted it): claiming it provisions nothing.
    expect(await provisioned('get_or_create')).toBe(provisionedBefore);
  });

  it('tells a token naming its row, already claimed, created: false without userinfo', async () => {
    const sub = await insertUser('active', true);
    const id = (await rowOf(sub))?.id ?? '';
    const asked = backend.issuer.counts.userinfo;
    // The row's first call: nothing is remembered yet, so the claim path answers it.
    const response = await backend.server.client().getOrCreate({}, await claiming(sub, id));
    expect([response.created, response.user?.id]).toEqual([false, id]);
    expect(backend.issuer.counts.userinfo - asked).toBe(0);
  });

  it('asks userinfo for a token whose claim names another row than its subject’s', async () => {
    const sub = await insertUser('active', false);
    const id = (await rowOf(sub))?.id ?? '';
    const asked = backend.issuer.counts.userinfo;
    const response = await backend.server
      .client()
      .getOrCreate({}, await claiming(sub, randomUUID()));
    expect([response.created, response.user?.id]).toEqual([true, id]);
    expect(backend.issuer.counts.userinfo - asked).toBe(1);
  });

  it('counts a row GetOrCreate inserts under get_or_create and one GetMe inserts under lazy', async () => {
    const before = [await provisioned('get_or_create'), await provisioned('lazy')];
    await backend.server.client().getOrCreate({}, await bearer(newUserId()));
    await backend.server.client().getMe({}, await bearer(newUserId()));
    // A second call for a user who has a row inserts nothing.
    const sub = newUserId();
    await backend.server.client().getOrCreate({}, await bearer(sub));
    await backend.server.client().getOrCreate({}, await bearer(sub));
    await backend.server.client().getMe({}, await bearer(sub));
    const after = [await provisioned('get_or_create'), await provisioned('lazy')];
    expect(after.map((value, index) => value - (before[index] ?? 0))).toEqual([2, 1]);
  });

  it.each([
    ['inactive', 'this account is deactivated'],
    ['removed', 'this account is removed'],
  ] as const)('tells a %s user permission_denied: "%s"', async (state, message) => {
    const sub = await insertUser(state, true);
    for (const call of ['getOrCreate', 'getMe'] as const) {
      const error = await backend.server
        .client()
        [call]({}, await bearer(sub))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.PermissionDenied);
      expect((error as ConnectError).rawMessage).toBe(message);
    }
  });

  it('reports a locked user as LOCKED, an active one as ACTIVE, and no email as empty', async () => {
    const locked = await insertUser('locked', true);
    const active = await insertUser('active', true);
    const lockedUser = (await backend.server.client().getMe({}, await bearer(locked))).user;
    const activeUser = (await backend.server.client().getMe({}, await bearer(active))).user;
    expect(lockedUser?.state).toBe(UserState.LOCKED);
    expect(activeUser?.state).toBe(UserState.ACTIVE);
    expect(activeUser?.email).toBe('');
    const [row] = await backend.database.handle.db
      .select()
      .from(users)
      .where(eq(users.zitadelUserId, active));
    expect(row?.email).toBeNull();
  });

  it('answers a remembered row from memory only for a token whose claim names that row', async () => {
    const sub = await insertUser('active', true);
    const id = (await rowOf(sub))?.id ?? '';
    // A rename nobody announces (triggers off): a call that still answers the old name was
    // answered from memory. Waits until the row is remembered.
    const renameUnannounced = (displayName: string) =>
      backend.database.handle.db.transaction(async (tx) => {
        await tx.execute(sql`set local session_replication_role = replica`);
        await tx.update(users).set({ displayName }).where(eq(users.zitadelUserId, sub));
      });
    await vi.waitFor(async () => {
      const read = await backend.server.client().getOrCreate({}, await claiming(sub, id));
      await renameUnannounced(`${read.user?.displayName}+`);
      const again = await backend.server.client().getOrCreate({}, await claiming(sub, id));
      expect(again.user?.displayName).toBe(read.user?.displayName);
    });
    const asked = backend.issuer.counts.userinfo;
    await backend.server.client().getOrCreate({}, await claiming(sub, randomUUID()));
    expect(backend.issuer.counts.userinfo - asked).toBe(1);
  });

  it('answers a returning user from memory when userinfo says what the row holds', async () => {
    const sub = newUserId();
    const headers = await bearer(sub, 'minnie@example.com');
    // A state change nobody announces (triggers off): an answer still ACTIVE came from memory.
    const setStateUnannounced = (state: RowState) =>
      backend.database.handle.db.transaction(async (tx) => {
        await tx.execute(sql`set local session_replication_role = replica`);
        await tx.update(users).set({ state }).where(eq(users.zitadelUserId, sub));
      });
    await backend.server.client().getOrCreate({}, headers);
    await vi.waitFor(async () => {
      await setStateUnannounced('active');
      await backend.server.client().getOrCreate({}, headers);
      await setStateUnannounced('locked');
      expect((await backend.server.client().getOrCreate({}, headers)).user?.state).toBe(
        UserState.ACTIVE,
      );
    });
  });
});
