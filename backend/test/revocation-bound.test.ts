import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { APP_USER_ID_CLAIM } from '../src/auth/app-user-id-claim';
import { REVOCATION_BOUND_MS } from '../src/auth/revocation-bound';
import { backendUnderTest } from './support/backend-under-test';
import { INTROSPECTION_CLIENT, TEST_CLIENT_ID } from './support/test-issuer';

// docs/decisions/031: a token revoked at the issuer (POST /oauth/v2/revoke, RFC 7009) is refused
// on every path once the revocation bound has passed: GetOrCreate and GetMe, a JWT with and
// without the enricher's claim, an opaque token. Only Date is faked (HTTP, Postgres and timers
// run for real), so the bound passes without waiting 30 s.
describe('revocation bound', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now());
  });
  afterAll(() => {
    vi.useRealTimers();
  });
  const backend = backendUnderTest({
    server: { introspection: { method: 'client_secret_basic', ...INTROSPECTION_CLIENT } },
  });
  let sequence = 0;

  async function revoke(token: string): Promise<void> {
    const response = await fetch(`${backend.issuer.issuer}/oauth/v2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: TEST_CLIENT_ID, token }).toString(),
    });
    expect(response.status).toBe(200);
  }

  async function call(method: 'getOrCreate' | 'getMe', token: string) {
    const headers = { authorization: `Bearer ${token}` };
    try {
      const client = backend.server.client();
      const answer =
        method === 'getOrCreate'
          ? await client.getOrCreate({ isRegistration: false }, { headers })
          : await client.getMe({}, { headers });
      return { userId: answer.user?.id };
    } catch (error) {
      return { code: ConnectError.from(error).code };
    }
  }

  /** A user that exists, with its app user id, and a fresh profile for the next token. */
  async function existingUser() {
    sequence++;
    const profile = {
      sub: `33649480993603${String(7000 + sequence)}`,
      email: `revoked${sequence}@example.com`,
      name: 'Revoked Fan',
    };
    const first = await call('getOrCreate', await backend.issuer.issue(profile));
    expect(first.userId).toBeDefined();
    return { profile, userId: first.userId as string };
  }

  const tokenKinds = {
    'JWT without the claim': async (user: Awaited<ReturnType<typeof existingUser>>) =>
      backend.issuer.issue(user.profile),
    "JWT with the enricher's claim": async (user: Awaited<ReturnType<typeof existingUser>>) =>
      backend.issuer.issue(user.profile, { claims: { [APP_USER_ID_CLAIM]: user.userId } }),
    opaque: async (user: Awaited<ReturnType<typeof existingUser>>) =>
      backend.issuer.issueOpaque(user.profile),
  };

  for (const [kind, issue] of Object.entries(tokenKinds)) {
    for (const method of ['getOrCreate', 'getMe'] as const) {
      it(`refuses a revoked ${kind} on ${method} once the bound has passed`, async () => {
        const user = await existingUser();
        const token = await issue(user);
        // Served, and remembered by every cache on the way (accepted token, userinfo, returning user).
        expect(await call(method, token)).toEqual({ userId: user.userId });
        expect(await call(method, token)).toEqual({ userId: user.userId });
        await revoke(token);
        vi.setSystemTime(Date.now() + REVOCATION_BOUND_MS + 1);
        expect(await call(method, token)).toEqual({ code: Code.Unauthenticated });
        // And the user themself is fine: a new token is served.
        expect(await call(method, await issue(user))).toEqual({ userId: user.userId });
      });
    }
  }

  it('keeps serving a JWT past the bound while userinfo is unreachable (docs/decisions/014)', async () => {
    const user = await existingUser();
    const token = await backend.issuer.issue(user.profile);
    expect(await call('getMe', token)).toEqual({ userId: user.userId });
    vi.setSystemTime(Date.now() + REVOCATION_BOUND_MS + 1);
    // Bad input tried: the issuer answering 503 at userinfo, which says nothing about revocation.
    backend.issuer.setStatus('userinfo', 503);
    try {
      expect(await call('getMe', token)).toEqual({ userId: user.userId });
    } finally {
      backend.issuer.setStatus('userinfo', 200);
    }
  });

  it('asks userinfo at most once per bound for a JWT older than the bound', async () => {
    const user = await existingUser();
    const token = await backend.issuer.issue(user.profile);
    vi.setSystemTime(Date.now() + REVOCATION_BOUND_MS + 1);
    const asked = backend.issuer.counts.userinfo;
    for (let index = 0; index < 5; index++) {
      expect(await call('getMe', token)).toEqual({ userId: user.userId });
    }
    expect(backend.issuer.counts.userinfo - asked).toBe(1);
  });
});
