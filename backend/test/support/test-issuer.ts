import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { base64url, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import {
  authenticateClient,
  introspectionAnswer,
  type OpaqueToken,
  readForm,
} from './issuer-introspection';
import {
  INTROSPECTION_CLIENT,
  PROJECT_ID,
  TEST_CLIENT_ID,
  type TestUserinfo,
} from './test-issuer-clients';

export {
  INTROSPECTION_CLIENT,
  OTHER_CLIENT_ID,
  TEST_CLIENT_ID,
  type TestUserinfo,
} from './test-issuer-clients';

type Endpoint = 'discovery' | 'jwks' | 'introspection' | 'userinfo';

/**
 * A real OIDC issuer over HTTP for tests: discovery, a JWKS, userinfo and RFC 7662 introspection
 * (client authentication required, as ZITADEL requires it), answering for tokens it issued. Any
 * endpoint can be made to fail, and requests are counted so tests can assert caching.
 */
export async function startTestIssuer() {
  const signing = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256', { extractable: true });
  // ZITADEL's application key file carries a PKCS#1 PEM (internal/domain/application_key.go).
  const apiKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const apiKeyId = '336500000000000900';
  const published: JWK[] = [
    { ...(await exportJWK(signing.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' },
  ];
  const profiles = new Map<string, TestUserinfo>();
  const opaque = new Map<string, OpaqueToken>();
  const counts = { discovery: 0, jwks: 0, userinfo: 0, introspection: 0 };
  const status: Record<Endpoint, number> = {
    discovery: 200,
    jwks: 200,
    introspection: 200,
    userinfo: 200,
  };
  const clientAuthentications: string[] = [];

  const server: Server = createServer((req, res) => {
    const json = (code: number, body: unknown) =>
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const failing = (endpoint: Endpoint) => {
      if (status[endpoint] === 200) return false;
      json(status[endpoint], { error: 'temporarily_unavailable' });
      return true;
    };
    if (req.url === '/.well-known/openid-configuration') {
      counts.discovery++;
      if (failing('discovery')) return;
      return json(200, {
        issuer,
        jwks_uri: `${issuer}/oauth/v2/keys`,
        userinfo_endpoint: `${issuer}/oidc/v1/userinfo`,
        introspection_endpoint: `${issuer}/oauth/v2/introspect`,
        revocation_endpoint: `${issuer}/oauth/v2/revoke`,
        authorization_endpoint: `${issuer}/oauth/v2/authorize`,
        token_endpoint: `${issuer}/oauth/v2/token`,
      });
    }
    if (req.url === '/oauth/v2/keys') {
      counts.jwks++;
      if (failing('jwks')) return;
      return json(200, { keys: published });
    }
    if (req.url === '/oidc/v1/userinfo') {
      counts.userinfo++;
      if (failing('userinfo')) return;
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const profile = token ? profiles.get(token) : undefined;
      if (!profile) return json(401, { error: 'invalid_token' });
      return json(200, profile);
    }
    // RFC 7009 as ZITADEL answers it (zitadel/oidc pkg/op/token_revocation.go): 200 whether or
    // not the token was known. A revoked JWT access token fails userinfo from then on, a revoked
    // opaque one is also inactive at introspection.
    if (req.url === '/oauth/v2/revoke' && req.method === 'POST') {
      void (async () => {
        const token = (await readForm(req)).get('token') ?? '';
        const record = opaque.get(token);
        if (record) record.active = false;
        profiles.delete(token);
        res.writeHead(200).end();
      })();
      return;
    }
    if (req.url === '/oauth/v2/introspect' && req.method === 'POST') {
      counts.introspection++;
      if (failing('introspection')) return;
      void (async () => {
        const form = await readForm(req);
        const key = { issuer, publicKey: apiKey.publicKey, keyId: apiKeyId };
        const client = await authenticateClient(req, form, key, clientAuthentications);
        if (client === 'invalid_client')
          return json(400, {
            error: 'invalid_client',
            error_description: 'client must be authenticated',
          });
        if (client !== 'ok') return json(400, { error: client });
        const raw = form.get('token') ?? '';
        return json(200, introspectionAnswer(issuer, raw, opaque.get(raw), profiles.get(raw)));
      })();
      return;
    }
    json(404, { error: 'not found' });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const now = () => Math.floor(Date.now() / 1000);

  return {
    issuer,
    audience: PROJECT_ID,
    clientId: TEST_CLIENT_ID,
    counts,
    /** Which client authentication each introspection request used, in order. */
    clientAuthentications,
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
      const builder = new SignJWT({
        iss: issuer,
        sub: profile.sub,
        aud: [TEST_CLIENT_ID, PROJECT_ID],
        client_id: TEST_CLIENT_ID,
        jti: crypto.randomUUID(),
        iat: now(),
        nbf: now(),
        // Overrides last, so a test can set any claim to a wrong value.
        ...overrides.claims,
      }).setProtectedHeader({ alg: 'RS256', kid: overrides.kid ?? 'key-1', typ: 'JWT' });
      if (overrides.claims?.exp === undefined)
        builder.setExpirationTime(overrides.expiresIn ?? '1h');
      const token = await builder.sign(
        overrides.useOtherKey ? other.privateKey : signing.privateKey,
      );
      profiles.set(token, profile);
      return token;
    },
    /**
     * An ID token as ZITADEL signs it (zitadel/oidc pkg/oidc/token.go NewIDTokenClaims, ZITADEL
     * internal/api/oidc/token.go createIDToken): same key, `sub` and audience as the access
     * token, plus `azp` and `client_id` (both the client), `at_hash`, `auth_time`, `nonce` and the
     * userinfo claims (idTokenUserinfoAssertion).
     */
    async issueIdToken(profile: TestUserinfo, options: { nonce?: boolean } = {}) {
      const token = await new SignJWT({
        ...profile,
        iss: issuer,
        aud: [TEST_CLIENT_ID, PROJECT_ID],
        azp: TEST_CLIENT_ID,
        client_id: TEST_CLIENT_ID,
        at_hash: base64url.encode(randomBytes(16)),
        auth_time: now(),
        iat: now(),
        amr: ['pwd'],
        ...(options.nonce === false ? {} : { nonce: base64url.encode(randomBytes(12)) }),
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'key-1', typ: 'JWT' })
        .setExpirationTime('1h')
        .sign(signing.privateKey);
      profiles.set(token, profile);
      return token;
    },
    /** An opaque access token (ZITADEL's default token type), known to introspection and userinfo. */
    issueOpaque(profile: TestUserinfo, options: { clientId?: string; aud?: string[] } = {}) {
      const token = base64url.encode(randomBytes(48));
      opaque.set(token, {
        sub: profile.sub,
        clientId: options.clientId ?? TEST_CLIENT_ID,
        aud: options.aud ?? [options.clientId ?? TEST_CLIENT_ID, PROJECT_ID],
        iat: now(),
        exp: now() + 3600,
        active: true,
      });
      profiles.set(token, profile);
      return token;
    },
    /** Revoke an opaque token: introspection then says inactive, userinfo 401. */
    revokeOpaque(token: string) {
      const record = opaque.get(token);
      if (record) record.active = false;
      profiles.delete(token);
    },
    /** ZITADEL's JSON key file of the API app (for OIDC_INTROSPECTION_KEY_FILE). */
    introspectionKeyFile() {
      return {
        type: 'application',
        keyId: apiKeyId,
        key: apiKey.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
        appId: '336500000000000800',
        clientId: INTROSPECTION_CLIENT.clientId,
      };
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
    /** Make one endpoint answer this HTTP status (200 restores it). */
    setStatus(endpoint: Endpoint, code: number) {
      status[endpoint] = code;
    },
    setUserinfoStatus(code: number) {
      status.userinfo = code;
    },
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

export type TestIssuer = Awaited<ReturnType<typeof startTestIssuer>>;
