import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVOCATION_BOUND_MS } from '../src/auth/revocation-bound';
import { authenticatorUnderTest } from './support/authenticator-under-test';
import { startTestIssuer, type TestIssuer } from './support/test-issuer';
import { newUserId } from './support/zitadel-events';

// docs/decisions/031 at its edges (auth/authenticate.ts issuedWithin): a JWT issued less than the
// revocation bound ago is taken without asking userinfo; at the bound, without an `iat`, or with
// an `iat` more than 5 s ahead of this API's clock, userinfo confirms it. Each token here is
// revoked at userinfo before it is used, so "taken" means "not asked".
describe('which JWTs are confirmed at userinfo', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(() => issuer?.close());

  async function revokedJwt(claims: Record<string, unknown> = {}) {
    const sub = newUserId();
    const token = await issuer.issue({ sub }, { claims });
    issuer.forget(token);
    return { sub, token };
  }

  async function outcome(auth: ReturnType<typeof authenticatorUnderTest>, token: string) {
    const asked = issuer.counts.userinfo;
    const result = await auth.authenticate(`Bearer ${token}`).then(
      (caller) => caller.zitadelUserId,
      (error: unknown) => ConnectError.from(error).code,
    );
    return { result, askedUserinfo: issuer.counts.userinfo - asked };
  }

  it.each([
    ['just issued', 0],
    ['1 ms short of the bound', REVOCATION_BOUND_MS - 1],
    ['5 s ahead of this API’s clock', -5_000],
  ])('takes a JWT %s without asking userinfo', async (_, offsetMs) => {
    const auth = authenticatorUnderTest(issuer);
    const { sub, token } = await revokedJwt();
    auth.atIssuedPlus(token, offsetMs);
    expect(await outcome(auth, token)).toEqual({ result: sub, askedUserinfo: 0 });
  });

  it.each([
    ['issued exactly the bound ago', REVOCATION_BOUND_MS],
    ['issued more than 5 s ahead of this API’s clock', -5_001],
  ])('confirms a JWT %s at userinfo, and refuses it when revoked', async (_, offsetMs) => {
    const auth = authenticatorUnderTest(issuer);
    const { token } = await revokedJwt();
    auth.atIssuedPlus(token, offsetMs);
    expect(await outcome(auth, token)).toEqual({
      result: Code.Unauthenticated,
      askedUserinfo: 1,
    });
  });

  it('confirms a JWT without iat at userinfo', async () => {
    const auth = authenticatorUnderTest(issuer);
    const { token } = await revokedJwt({ iat: undefined });
    expect(await outcome(auth, token)).toEqual({
      result: Code.Unauthenticated,
      askedUserinfo: 1,
    });
  });

  it('leaves an opaque token to introspection: userinfo is not asked', async () => {
    const auth = authenticatorUnderTest(issuer);
    const sub = newUserId();
    const token = issuer.issueOpaque({ sub });
    expect(await outcome(auth, token)).toEqual({ result: sub, askedUserinfo: 0 });
  });

  it('asks userinfo once for a caller whose identity is read twice', async () => {
    const auth = authenticatorUnderTest(issuer);
    const sub = newUserId();
    const token = await issuer.issue({ sub, email: 'twice@example.com' });
    const caller = await auth.authenticate(`Bearer ${token}`);
    const asked = issuer.counts.userinfo;
    const [first, second] = await Promise.all([caller.identity(), caller.identity()]);
    expect(first).toMatchObject({ zitadelUserId: sub, email: 'twice@example.com' });
    expect(second).toBe(first);
    expect(issuer.counts.userinfo - asked).toBe(1);
  });
});
