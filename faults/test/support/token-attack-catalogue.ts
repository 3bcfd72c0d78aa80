import { createPublicKey } from 'node:crypto';
import type { TestIssuer } from '@liverty-music/backend/testing';
import { base64url, exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

// The backend's verification matrix as data: each attack builds the Authorization header it sends
// from the test issuer the case file started.
export const profile = { sub: '336494809936035843', email: 'mini@mouse.com', name: 'Minnie Mouse' };

export interface Attack {
  name: string;
  /** The Authorization header to send; undefined sends none. */
  authorization: (issuer: TestIssuer) => Promise<string | undefined>;
  /** Node's HTTP parser refuses headers over 16 KiB before the app sees them. */
  expectStatus?: number;
}

const attacker = await generateKeyPair('RS256', { extractable: true });
const attackerEc = await generateKeyPair('ES256', { extractable: true });

const bearer = (token: string) => `Bearer ${token}`;
const now = () => Math.floor(Date.now() / 1000);
const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

/** A token signed by a key the issuer never published, with any header the attack needs. */
function forge(issuer: TestIssuer, header: Record<string, unknown>, claims: JWTPayload = {}) {
  const key = header.alg === 'ES256' ? attackerEc.privateKey : attacker.privateKey;
  return new SignJWT({
    iss: issuer.issuer,
    sub: profile.sub,
    aud: [issuer.audience],
    iat: now(),
    exp: now() + 3600,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', ...header })
    .sign(key);
}

export const attacks: Attack[] = [
  { name: 'missing Authorization header', authorization: async () => undefined },
  { name: 'Basic scheme instead of Bearer', authorization: async () => 'Basic dXNlcjpwYXNz' },
  { name: 'Bearer with no token', authorization: async () => 'Bearer ' },
  { name: 'Bearer with two tokens', authorization: async () => 'Bearer a.b.c d.e.f' },
  { name: 'malformed (not a JWT)', authorization: async () => bearer('not-a-jwt') },
  {
    name: 'malformed (JSON garbage segments)',
    authorization: async () => bearer(`${encode('x')}.${encode([1])}.${encode({})}`),
  },
  {
    name: 'expired beyond the 60 s skew',
    authorization: async (issuer) =>
      bearer(await issuer.issue(profile, { expiresIn: '-2 minutes' })),
  },
  {
    name: 'not yet valid (nbf in 2 min)',
    authorization: async (issuer) =>
      bearer(await issuer.issue(profile, { claims: { nbf: now() + 120 } })),
  },
  {
    name: 'exp as a string',
    authorization: async (issuer) =>
      bearer(await issuer.issue(profile, { claims: { exp: '9999999999' as unknown as number } })),
  },
  // Signed by the issuer, so only the claim checks stand between them and the API; they are
  // refused as invalid claims, not as "issued in the future" (auth/verify-access-token.ts).
  {
    name: 'iat as a string',
    authorization: async (issuer) =>
      bearer(await issuer.issue(profile, { claims: { iat: 'yesterday' as unknown as number } })),
  },
  {
    name: 'nbf as an object',
    authorization: async (issuer) =>
      bearer(await issuer.issue(profile, { claims: { nbf: { $gt: 0 } as unknown as number } })),
  },
  {
    name: 'wrong issuer',
    authorization: async (issuer) =>
      bearer(await issuer.issue(profile, { claims: { iss: 'https://evil.example.com' } })),
  },
  {
    name: 'no issuer',
    authorization: async (issuer) =>
      bearer(await issuer.issue(profile, { claims: { iss: undefined } })),
  },
  {
    name: 'wrong audience',
    authorization: async (issuer) =>
      bearer(await issuer.issue(profile, { claims: { aud: ['another-project'] } })),
  },
  {
    name: 'no audience',
    authorization: async (issuer) =>
      bearer(await issuer.issue(profile, { claims: { aud: undefined } })),
  },
  {
    name: 'no subject',
    authorization: async (issuer) =>
      bearer(await issuer.issue(profile, { claims: { sub: undefined } })),
  },
  {
    name: 'empty subject',
    authorization: async (issuer) =>
      bearer(await issuer.issue({ ...profile, sub: '' }, { claims: { sub: '' } })),
  },
  {
    name: 'unknown kid',
    authorization: async (issuer) =>
      bearer(await issuer.issue(profile, { kid: 'unknown-kid', useOtherKey: true })),
  },
  {
    name: 'kid path traversal',
    authorization: async (issuer) => bearer(await forge(issuer, { kid: '../../../../etc/passwd' })),
  },
  {
    name: 'bad signature (known kid, other key)',
    authorization: async (issuer) => bearer(await issuer.issue(profile, { useOtherKey: true })),
  },
  {
    name: 'tampered payload',
    authorization: async (issuer) => {
      const [header, , signature] = (await issuer.issue(profile)).split('.');
      const payload = encode({
        iss: issuer.issuer,
        sub: '1',
        aud: issuer.audience,
        exp: now() + 3600,
      });
      return bearer(`${header}.${payload}.${signature}`);
    },
  },
  {
    name: 'signature stripped',
    authorization: async (issuer) => {
      const [header, payload] = (await issuer.issue(profile)).split('.');
      return bearer(`${header}.${payload}.`);
    },
  },
  {
    name: 'alg none',
    authorization: async (issuer) => {
      const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({
        iss: issuer.issuer,
        sub: profile.sub,
        aud: issuer.audience,
        iat: now(),
        exp: now() + 3600,
      })}.`;
      issuer.register(token, profile);
      return bearer(token);
    },
  },
  {
    name: 'HS256 signed with the public key',
    authorization: async (issuer) => {
      const pem = await exportSPKI(createPublicKey({ key: issuer.publicJwk(), format: 'jwk' }));
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
        .setIssuer(issuer.issuer)
        .setSubject(profile.sub)
        .setAudience(issuer.audience)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(pem));
      issuer.register(token, profile);
      return bearer(token);
    },
  },
  {
    name: 'ES256 with the published kid',
    authorization: async (issuer) => bearer(await forge(issuer, { alg: 'ES256', kid: 'key-1' })),
  },
  {
    name: 'embedded jwk header (CVE-2018-0114)',
    authorization: async (issuer) =>
      bearer(await forge(issuer, { kid: 'key-1', jwk: await exportJWK(attacker.publicKey) })),
  },
  {
    name: 'jku header to an attacker key set',
    authorization: async (issuer) =>
      bearer(await forge(issuer, { kid: 'key-1', jku: 'http://127.0.0.1:1/attacker-keys' })),
  },
  {
    name: 'unknown critical header',
    // jose will not sign a header it does not understand, so the JWS is assembled by hand.
    authorization: async (issuer) => {
      const input = `${encode({ alg: 'RS256', kid: 'key-1', crit: ['x-evil'], 'x-evil': 1 })}.${encode(
        { iss: issuer.issuer, sub: profile.sub, aud: issuer.audience, exp: now() + 3600 },
      )}`;
      const signature = await crypto.subtle.sign(
        'RSASSA-PKCS1-v1_5',
        attacker.privateKey,
        new TextEncoder().encode(input),
      );
      return bearer(`${input}.${base64url.encode(new Uint8Array(signature))}`);
    },
  },
  {
    name: 'truncated (last 10 characters cut)',
    authorization: async (issuer) => bearer((await issuer.issue(profile)).slice(0, -10)),
  },
  {
    name: 'truncated (header and payload only)',
    authorization: async (issuer) => bearer((await issuer.issue(profile)).split('.', 2).join('.')),
  },
  {
    name: 'huge token (12 KiB signature)',
    authorization: async (issuer) =>
      bearer(`${await issuer.issue(profile)}${'A'.repeat(12 * 1024)}`),
  },
  {
    name: 'huge token (12 KiB of claims, foreign key)',
    authorization: async (issuer) =>
      bearer(await forge(issuer, { kid: 'key-1' }, { pad: 'x'.repeat(9000) })),
  },
  {
    // ZITADEL ID tokens share key, sub, aud and client_id with access tokens (zitadel/oidc
    // pkg/oidc/token.go NewIDTokenClaims): only azp, at_hash and nonce give them away.
    name: 'ID token instead of the access token',
    authorization: async (issuer) => bearer(await issuer.issueIdToken(profile)),
  },
  {
    name: 'revoked (userinfo answers 401)',
    authorization: async (issuer) => {
      const token = await issuer.issue(profile);
      issuer.forget(token);
      return bearer(token);
    },
  },
  {
    name: 'userinfo subject differs from the token',
    authorization: async (issuer) => {
      const token = await issuer.issue(profile);
      issuer.register(token, { ...profile, sub: '999999999999999999' });
      return bearer(token);
    },
  },
  {
    name: 'header over 16 KiB (refused by the HTTP parser)',
    authorization: async () => bearer('A'.repeat(20 * 1024)),
    expectStatus: 431,
  },
];
