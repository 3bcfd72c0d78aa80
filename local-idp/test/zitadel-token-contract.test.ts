import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalIdp } from '../src/index';
import {
  exchangeCode,
  newTestUser,
  registerViaPromptCreate,
  type TokenResponse,
  verifyWithJwks,
} from './support/oidc-client';
import { startTestIdp } from './support/temp-data-dir';

// The token facts the backend relies on, checked against this stand-in so it cannot drift
// friendlier than ZITADEL. Sources (github:zitadel/zitadel, github:zitadel/oidc v3):
// - ZITADEL internal/api/oidc/token.go createJWT → zitadel/oidc pkg/oidc/token.go
//   NewAccessTokenClaims: iss, sub, aud, exp, iat, nbf, jti and client_id (RFC 9068 §2.2, set
//   since zitadel/oidc v3.29.1, PR #650); no azp, nonce, at_hash.
// - ZITADEL internal/api/oidc/token.go createIDToken → NewIDTokenClaims: the same audience as the
//   access token, `azp` and `client_id` both the client, plus at_hash of the access token.
// - ZITADEL internal/api/oidc/introspect.go Introspect + zitadel/oidc pkg/op/server_http.go
//   introspectionHandler: client authentication required (none → 400 invalid_client "client must
//   be authenticated"; wrong → 400 unauthorized_client); active only when the token's audience
//   holds the API client or its project (validateIntrospectionAudience), else {"active":false};
//   the answer (pkg/oidc/introspection.go IntrospectionResponse) has active, scope, client_id,
//   token_type, exp, iat, nbf, sub, aud, iss, jti, username and the userinfo claims.
// - Opaque tokens are ZITADEL's default type (op.CreateBearerToken: one encrypted string, no dots).

const API_CLIENT = { clientId: '336500000000000300', clientSecret: 'test-only-api-secret' };

async function introspect(idp: LocalIdp, token: string, auth: Record<string, string> = {}) {
  const response = await fetch(new URL('/oauth/v2/introspect', idp.issuer), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(auth.authorization ? { authorization: auth.authorization } : {}),
    },
    body: new URLSearchParams({
      token,
      ...Object.fromEntries(Object.entries(auth).filter(([key]) => key !== 'authorization')),
    }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
});

async function signUp(idp: LocalIdp): Promise<TokenResponse> {
  const { request, callback } = await registerViaPromptCreate(idp, newTestUser('contract'));
  return exchangeCode(idp, request, callback);
}

describe('ZITADEL token contract: JWT access tokens (app accessTokenType JWT)', () => {
  let idp: LocalIdp;
  let stop: () => Promise<void>;
  let tokens: TokenResponse;

  beforeAll(async () => {
    ({ idp, stop } = await startTestIdp({ introspectionClients: [API_CLIENT] }));
    tokens = await signUp(idp);
  });
  afterAll(() => stop());

  it('access token: client_id, no ID-token claims (zitadel/oidc NewAccessTokenClaims)', async () => {
    const { payload } = await verifyWithJwks(idp, tokens.access_token);
    expect(payload.client_id).toBe(idp.clientId);
    expect(payload.aud).toEqual([idp.clientId, idp.projectId]);
    for (const claim of ['azp', 'nonce', 'at_hash', 'c_hash', 'auth_time'])
      expect(payload, claim).not.toHaveProperty(claim);
  });

  it('ID token: same key, sub and aud, with azp and client_id (NewIDTokenClaims, createIDToken)', async () => {
    const access = decodeJwt(tokens.access_token);
    const { payload } = await verifyWithJwks(idp, tokens.id_token);
    expect(payload.sub).toBe(access.sub);
    expect(payload.aud).toEqual(access.aud);
    expect(payload.azp).toBe(idp.clientId);
    // client_id cannot tell an ID token from an access token: ZITADEL sets it in both.
    expect(payload.client_id).toBe(idp.clientId);
    expect(payload.at_hash).toEqual(expect.any(String));
    expect(payload.nonce).toEqual(expect.any(String));
  });

  it('introspection refuses callers without client authentication (server_http.go)', async () => {
    const none = await introspect(idp, tokens.access_token);
    expect(none).toEqual({
      status: 400,
      body: { error: 'invalid_client', error_description: 'client must be authenticated' },
    });
    const wrong = await introspect(idp, tokens.access_token, basic(API_CLIENT.clientId, 'nope'));
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('unauthorized_client');
    // The SPA is a public client: it cannot introspect either.
    const spa = await introspect(idp, tokens.access_token, { client_id: idp.clientId });
    expect(spa.body.error).toBe('invalid_client');
  });

  it('introspection answers ZITADEL’s fields for an active token (introspect.go)', async () => {
    const answer = await introspect(
      idp,
      tokens.access_token,
      basic(API_CLIENT.clientId, API_CLIENT.clientSecret),
    );
    expect(answer.status).toBe(200);
    const access = decodeJwt(tokens.access_token);
    expect(answer.body).toMatchObject({
      active: true,
      client_id: idp.clientId,
      token_type: 'Bearer',
      sub: access.sub,
      aud: [idp.clientId, idp.projectId],
      iss: idp.issuer,
      exp: access.exp,
      iat: access.iat,
      nbf: access.nbf,
      jti: access.jti,
      username: expect.any(String),
      scope: expect.stringContaining('openid'),
    });
    // client_secret_post is accepted as well.
    const post = await introspect(idp, tokens.access_token, {
      client_id: API_CLIENT.clientId,
      client_secret: API_CLIENT.clientSecret,
    });
    expect(post.body.active).toBe(true);
  });

  it('introspection: an ID token and a token for another project are inactive', async () => {
    const auth = basic(API_CLIENT.clientId, API_CLIENT.clientSecret);
    expect((await introspect(idp, tokens.id_token, auth)).body).toEqual({ active: false });
    const { idp: other, stop: stopOther } = await startTestIdp({
      projectId: '336500000000000999',
      introspectionClients: [API_CLIENT],
    });
    try {
      // Same API client name, another project: validateIntrospectionAudience fails.
      const foreign = await signUp(other);
      const answer = await introspect(idp, foreign.access_token, auth);
      expect(answer.body).toEqual({ active: false });
    } finally {
      await stopOther();
    }
  });
});

describe('ZITADEL token contract: opaque access tokens (ZITADEL’s default type)', () => {
  let idp: LocalIdp;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ idp, stop } = await startTestIdp({
      accessTokenType: 'opaque',
      introspectionClients: [API_CLIENT],
    }));
  });
  afterAll(() => stop());

  it('issues an opaque token that userinfo and introspection accept, and revocation ends', async () => {
    const tokens = await signUp(idp);
    expect(tokens.access_token.split('.')).toHaveLength(1);
    const info = await fetch(new URL('/oidc/v1/userinfo', idp.issuer), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(info.status).toBe(200);
    const auth = basic(API_CLIENT.clientId, API_CLIENT.clientSecret);
    const active = await introspect(idp, tokens.access_token, auth);
    expect(active.body).toMatchObject({
      active: true,
      client_id: idp.clientId,
      aud: [idp.clientId, idp.projectId],
      iss: idp.issuer,
      token_type: 'Bearer',
    });
    expect(active.body.jti).not.toBe(tokens.access_token);
    // The ID token still names the access token it came with.
    expect(decodeJwt(tokens.id_token).at_hash).toEqual(expect.any(String));

    const revoke = await fetch(new URL('/oauth/v2/revoke', idp.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: idp.clientId, token: tokens.access_token }).toString(),
    });
    expect(revoke.status).toBe(200);
    expect((await introspect(idp, tokens.access_token, auth)).body).toEqual({ active: false });
  });
});
