import { Code, ConnectError } from '@connectrpc/connect';
import { count } from 'drizzle-orm';
import { base64url, exportSPKI, SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { users } from '../src/db/schema';
import { backendUnderTest } from './support/backend-under-test';

// The verification matrix runs over real HTTP: a real JWKS server, the real backend, and the
// database checked after every rejected call.
describe('GetOrCreate rejects every bad access token with unauthenticated and writes nothing', () => {
  const backend = backendUnderTest({ kind: 'pglite' });
  const profile = { sub: '336494809936035843', email: 'mini@mouse.com', name: 'Minnie Mouse' };

  beforeEach(async () => {
    await backend.database.handle.db.delete(users);
  });

  async function rowCount() {
    const [row] = await backend.database.handle.db.select({ n: count() }).from(users);
    return row?.n;
  }

  async function expectRejected(headers: Record<string, string>, message: RegExp) {
    const error = await backend.server
      .client()
      .getOrCreate({ isRegistration: true }, { headers })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
    expect((error as ConnectError).rawMessage).toMatch(message);
    expect(await rowCount()).toBe(0);
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('accepts a valid token (the control case) and writes one row', async () => {
    const token = await backend.issuer.issue(profile);
    const response = await backend.server.client().getOrCreate({}, { headers: bearer(token) });
    expect(response.created).toBe(true);
    expect(response.user?.zitadelUserId).toBe(profile.sub);
    expect(response.user?.email).toBe('mini@mouse.com');
    expect(await rowCount()).toBe(1);
  });

  it('missing Authorization header', async () => {
    await expectRejected({}, /missing Authorization header/);
  });

  it('Authorization header without Bearer scheme', async () => {
    await expectRejected({ authorization: 'Basic dXNlcjpwYXNz' }, /not "Bearer/);
  });

  it('not a JWT, with no introspection configured', async () => {
    await expectRejected(bearer('not-a-jwt'), /not a JWT, and this API is not configured/);
  });

  it('malformed JWT (three parts, header not JSON)', async () => {
    await expectRejected(bearer('not.a.jwt'), /malformed/);
  });

  it('expired beyond the 60 s skew', async () => {
    const token = await backend.issuer.issue(profile, { claims: {}, expiresIn: '-2 minutes' });
    await expectRejected(bearer(token), /expired/);
  });

  it('accepts a token expired within the 60 s skew', async () => {
    const token = await backend.issuer.issue(profile, { expiresIn: '-30 seconds' });
    const response = await backend.server.client().getOrCreate({}, { headers: bearer(token) });
    expect(response.user?.zitadelUserId).toBe(profile.sub);
  });

  it('not yet valid (nbf two minutes ahead)', async () => {
    const token = await backend.issuer.issue(profile, {
      claims: { nbf: Math.floor(Date.now() / 1000) + 120 },
    });
    await expectRejected(bearer(token), /not yet valid/);
  });

  it('wrong issuer', async () => {
    const token = await backend.issuer.issue(profile, {
      claims: { iss: 'https://evil.example.com' },
    });
    await expectRejected(bearer(token), /wrong issuer/);
  });

  it('wrong audience', async () => {
    const token = await backend.issuer.issue(profile, { claims: { aud: ['another-project'] } });
    await expectRejected(bearer(token), /audience/);
  });

  it('unknown kid', async () => {
    const token = await backend.issuer.issue(profile, { kid: 'unknown-kid', useOtherKey: true });
    await expectRejected(bearer(token), /unknown key/);
  });

  it('bad signature (known kid, signed by another key)', async () => {
    const token = await backend.issuer.issue(profile, { useOtherKey: true });
    await expectRejected(bearer(token), /signature is invalid/);
  });

  it('tampered payload (signature no longer matches)', async () => {
    const token = await backend.issuer.issue(profile);
    const [header, , signature] = token.split('.');
    const forged = base64url.encode(
      JSON.stringify({
        sub: '1',
        iss: backend.issuer.issuer,
        aud: backend.issuer.audience,
        exp: 9999999999,
      }),
    );
    await expectRejected(bearer(`${header}.${forged}.${signature}`), /signature is invalid/);
  });

  it('alg: none (unsigned)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(
      JSON.stringify({
        sub: profile.sub,
        iss: backend.issuer.issuer,
        aud: backend.issuer.audience,
        iat: now,
        exp: now + 3600,
      }),
    );
    const token = `${header}.${payload}.`;
    backend.issuer.register(token, profile);
    await expectRejected(bearer(token), /algorithm is not allowed|malformed/);
  });

  it('HS256 signed with the public key as the secret (key confusion)', async () => {
    const { createPublicKey } = await import('node:crypto');
    const publicKey = createPublicKey({ key: backend.issuer.publicJwk(), format: 'jwk' });
    const pem = await exportSPKI(publicKey);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setIssuer(backend.issuer.issuer)
      .setSubject(profile.sub)
      .setAudience(backend.issuer.audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(pem));
    backend.issuer.register(token, profile);
    await expectRejected(bearer(token), /algorithm is not allowed/);
  });

  it('userinfo answers for a different subject than the token', async () => {
    const token = await backend.issuer.issue(profile);
    backend.issuer.register(token, { sub: 'someone-else' });
    await expectRejected(bearer(token), /userinfo subject does not match/);
  });

  it('validly signed token that the issuer refuses at userinfo (revoked)', async () => {
    const token = await backend.issuer.issue(profile);
    backend.issuer.forget(token);
    await expectRejected(bearer(token), /rejected the access token at userinfo/);
  });
});
