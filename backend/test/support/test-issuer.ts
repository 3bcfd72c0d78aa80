import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export interface TestUserinfo {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
}

/**
 * A real OIDC issuer over HTTP for tests: discovery, a JWKS, and a userinfo endpoint that
 * answers for tokens it issued. Counts requests so tests can assert caching.
 */
export async function startTestIssuer() {
  const signing = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256', { extractable: true });
  const published: JWK[] = [
    { ...(await exportJWK(signing.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' },
  ];
  const profiles = new Map<string, TestUserinfo>();
  const counts = { discovery: 0, jwks: 0, userinfo: 0 };
  let userinfoStatus = 200;

  const server: Server = createServer((req, res) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/openid-configuration') {
      counts.discovery++;
      return json(200, {
        issuer,
        jwks_uri: `${issuer}/oauth/v2/keys`,
        userinfo_endpoint: `${issuer}/oidc/v1/userinfo`,
        authorization_endpoint: `${issuer}/oauth/v2/authorize`,
        token_endpoint: `${issuer}/oauth/v2/token`,
      });
    }
    if (req.url === '/oauth/v2/keys') {
      counts.jwks++;
      return json(200, { keys: published });
    }
    if (req.url === '/oidc/v1/userinfo') {
      counts.userinfo++;
      if (userinfoStatus !== 200) return json(userinfoStatus, { error: 'unavailable' });
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const profile = token ? profiles.get(token) : undefined;
      if (!profile) return json(401, { error: 'invalid_token' });
      return json(200, profile);
    }
    json(404, { error: 'not found' });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    audience: 'project-336500000000000100',
    counts,
    /** A token exactly like ZITADEL's: no email/profile claims; userinfo knows the profile. */
    async issue(
      profile: TestUserinfo,
      overrides: {
        claims?: JWTPayload;
        kid?: string;
        useOtherKey?: boolean;
        expiresIn?: string;
      } = {},
    ) {
      const now = Math.floor(Date.now() / 1000);
      const builder = new SignJWT({
        iss: issuer,
        sub: profile.sub,
        aud: ['spa-client', 'project-336500000000000100'],
        client_id: 'spa-client',
        jti: crypto.randomUUID(),
        iat: now,
        nbf: now,
        // Overrides last, so a test can set any claim to a wrong value.
        ...overrides.claims,
      }).setProtectedHeader({ alg: 'RS256', kid: overrides.kid ?? 'key-1' });
      if (overrides.claims?.exp === undefined)
        builder.setExpirationTime(overrides.expiresIn ?? '1h');
      const token = await builder.sign(
        overrides.useOtherKey ? other.privateKey : signing.privateKey,
      );
      profiles.set(token, profile);
      return token;
    },
    /** Remember a profile for a token built by the test itself. */
    register(token: string, profile: TestUserinfo) {
      profiles.set(token, profile);
    },
    /** Make userinfo answer 401 for a token, as for a revoked one. */
    forget(token: string) {
      profiles.delete(token);
    },
    async publishOtherKey(kid: string) {
      published.push({ ...(await exportJWK(other.publicKey)), kid, alg: 'RS256', use: 'sig' });
    },
    publicJwk: () => published[0] as JWK,
    setUserinfoStatus(status: number) {
      userinfoStatus = status;
    },
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

export type TestIssuer = Awaited<ReturnType<typeof startTestIssuer>>;
