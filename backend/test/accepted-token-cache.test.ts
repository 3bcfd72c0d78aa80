import { Code, ConnectError } from '@connectrpc/connect';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerDiscovery } from '../src/auth/discover-issuer';
import { createIntrospector } from '../src/auth/introspect-access-token';
import { createIssuerKeySet } from '../src/auth/issuer-key-set';
import { REVOCATION_BOUND_MS } from '../src/auth/revocation-bound';
import { hashToken } from '../src/auth/token-key';
import { createAccessTokenVerifier } from '../src/auth/verify-access-token';
import { createLogger } from '../src/logger';
import { INTROSPECTION_CLIENT, startTestIssuer, type TestIssuer } from './support/test-issuer';

// The verifier trusts a token it accepted again without a signature check or introspection, for
// at most 60 s (a JWT) or the 30 s revocation bound (an opaque token), and never past `exp`
// (docs/decisions/014, 031). With a fake clock against a real issuer
// over HTTP: how long an acceptance lasts, and that refusals are never remembered.
describe('accepted-token cache', () => {
  let issuer: TestIssuer;
  const profile = { sub: '336494809936035843', email: 'mini@mouse.com', name: 'Minnie Mouse' };

  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(() => issuer?.close());

  function setUp() {
    const clock = { now: Date.now() };
    const now = () => clock.now;
    const discover = createIssuerDiscovery({ issuer: issuer.issuer });
    const keys = createIssuerKeySet({ discover, logger: createLogger('silent'), now });
    let signatureChecks = 0;
    const verifyHashed = createAccessTokenVerifier({
      issuer: issuer.issuer,
      audience: [issuer.audience],
      clientIds: [issuer.clientId],
      // Every signature check asks the key set first: counting asks counts checks.
      keySet: {
        forKid(kid) {
          signatureChecks++;
          return keys.forKid(kid);
        },
      },
      introspect: createIntrospector({
        issuer: issuer.issuer,
        discover,
        credentials: { method: 'client_secret_basic', ...INTROSPECTION_CLIENT },
      }),
      now,
    });
    const verify = (token: string) => verifyHashed(hashToken(token));
    return { clock, verify, signatureChecks: () => signatureChecks };
  }

  async function refusal(work: Promise<unknown>): Promise<ConnectError> {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectError);
    return error as ConnectError;
  }

  it('trusts a returning JWT without another signature check for up to 60 s', async () => {
    const { clock, verify, signatureChecks } = setUp();
    const token = await issuer.issue(profile);
    const started = clock.now;
    expect((await verify(token)).sub).toBe(profile.sub);
    expect(signatureChecks()).toBe(1);

    clock.now = started + 59_999;
    await verify(token);
    expect(signatureChecks()).toBe(1);

    clock.now = started + 60_000;
    await verify(token);
    expect(signatureChecks()).toBe(2);
  });

  it('never serves a JWT from the cache past its exp, and refuses it beyond the clock skew', async () => {
    const { clock, verify, signatureChecks } = setUp();
    const token = await issuer.issue(profile, { expiresIn: '30s' });
    const exp = (decodeJwt(token).exp ?? 0) * 1000;
    await verify(token);

    clock.now = exp - 1;
    await verify(token);
    expect(signatureChecks()).toBe(1);

    // Past exp the cache has nothing: the token is checked again (still inside the 60 s skew).
    clock.now = exp + 1;
    await verify(token);
    expect(signatureChecks()).toBe(2);

    clock.now = exp + 61_000;
    const error = await refusal(verify(token));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toBe('access token expired');
  });

  it('remembers no refusal: a refused token is checked again on every call', async () => {
    const { verify, signatureChecks } = setUp();
    // Tried: a correctly signed token for another API (wrong audience), three times.
    const token = await issuer.issue(profile, { claims: { aud: ['some-other-api'] } });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const error = await refusal(verify(token));
      expect(error.code).toBe(Code.Unauthenticated);
      expect(signatureChecks()).toBe(attempt);
    }
  });

  it('stops accepting a revoked opaque token at most 30 s (the revocation bound) after its last introspection', async () => {
    const { clock, verify } = setUp();
    const token = issuer.issueOpaque(profile);
    const started = clock.now;
    const asked = issuer.counts.introspection;
    expect((await verify(token)).kind).toBe('opaque');
    expect(issuer.counts.introspection - asked).toBe(1);

    issuer.revokeOpaque(token);
    // Within the bound the issuer is not asked, so the revocation is not yet known here.
    clock.now = started + REVOCATION_BOUND_MS - 1;
    expect((await verify(token)).sub).toBe(profile.sub);
    expect(issuer.counts.introspection - asked).toBe(1);

    clock.now = started + REVOCATION_BOUND_MS;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const error = await refusal(verify(token));
      expect(error.code).toBe(Code.Unauthenticated);
      expect(error.rawMessage).toMatch(/inactive/);
      // The inactive answer is remembered for a short while (docs/decisions/031): a client
      // retrying a dead token costs one introspection, not one per call.
      expect(issuer.counts.introspection - asked).toBe(2);
    }
  });
});
