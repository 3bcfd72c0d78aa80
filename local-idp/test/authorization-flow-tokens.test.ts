import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { LocalIdp } from '../src/index';
import {
  buildAuthorizationRequest,
  completeRegistration,
  decodeJwt,
  exchangeCode,
  expectLeftIdp,
  expectPage,
  newTestUser,
  postToken,
  registerViaPromptCreate,
  userinfo,
  verifyWithJwks,
} from './support/oidc-client';
import { startTestIdp } from './support/temp-data-dir';
import { createTestBrowser } from './support/test-browser';

// What the flow issues and how the token and userinfo endpoints guard it: ZITADEL-shaped tokens,
// refresh rotation, PKCE, redirect URIs, revoked and deactivated users, ZITADEL scopes.
const API_CLIENT = { clientId: '336500000000000300', clientSecret: 'test-only-api-secret' };
const API_CLIENT_FORM = { client_id: API_CLIENT.clientId, client_secret: API_CLIENT.clientSecret };

describe('authorization code + PKCE flow', () => {
  let idp: LocalIdp;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ idp, stop } = await startTestIdp());
  });
  afterAll(() => stop());

  it('registers, exchanges the code and issues ZITADEL-shaped tokens', async () => {
    const user = newTestUser();
    const { request, callback } = await registerViaPromptCreate(idp, user);
    expect(callback.origin + callback.pathname).toBe(request.redirectUri);
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(idp.issuer);

    const tokens = await exchangeCode(idp, request, callback);
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.refresh_token).toEqual(expect.any(String));

    // Access token: RS256 JWT with kid, exactly ZITADEL's registered claims, no profile data.
    const { header, payload } = await verifyWithJwks(idp, tokens.access_token);
    expect(header).toMatchObject({ alg: 'RS256', kid: idp.currentKid, typ: 'JWT' });
    expect(Object.keys(payload).sort()).toEqual([
      'aud',
      'client_id',
      'exp',
      'iat',
      'iss',
      'jti',
      'nbf',
      'sub',
    ]);
    expect(payload.aud).toEqual([idp.clientId, idp.projectId]);
    expect(payload.client_id).toBe(idp.clientId);
    expect(payload.iss).toBe(idp.issuer);
    expect(payload.sub).toMatch(/^\d{18}$/);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload).not.toHaveProperty('email');
    expect(payload).not.toHaveProperty('scope');

    const registered = idp.users.findByEmail(user.email);
    expect(registered?.id).toBe(payload.sub);
    expect(registered).toMatchObject({
      givenName: 'Yuki',
      familyName: 'Tanaka',
      emailVerified: false,
      state: 'active',
    });

    // ID token: ZITADEL's shape (same audience as the access token, azp and client_id), carries
    // profile and email (idTokenUserinfoAssertion).
    const idToken = await verifyWithJwks(idp, tokens.id_token);
    expect(idToken.header).toMatchObject({ alg: 'RS256', kid: idp.currentKid });
    expect(idToken.payload).toMatchObject({
      iss: idp.issuer,
      sub: payload.sub,
      aud: [idp.clientId, idp.projectId],
      azp: idp.clientId,
      client_id: idp.clientId,
      nonce: request.nonce,
      email: user.email,
      email_verified: false,
      name: 'Yuki Tanaka',
      given_name: 'Yuki',
      family_name: 'Tanaka',
      preferred_username: user.email,
      locale: 'en',
    });
    expect(idToken.payload.updated_at).toEqual(expect.any(Number));

    // Userinfo accepts the JWT access token and answers per scope.
    const info = await userinfo(idp, tokens.access_token);
    expect(info.status).toBe(200);
    const claims = (await info.json()) as Record<string, unknown>;
    expect(claims).toEqual({
      sub: payload.sub,
      email: user.email,
      email_verified: false,
      name: 'Yuki Tanaka',
      given_name: 'Yuki',
      family_name: 'Tanaka',
      preferred_username: user.email,
      locale: 'en',
      updated_at: Math.floor(Date.parse(registered?.updatedAt ?? '') / 1000),
    });
  });

  it('rotates the refresh token and keeps issuing JWT access tokens', async () => {
    const { request, callback } = await registerViaPromptCreate(idp, newTestUser());
    const tokens = await exchangeCode(idp, request, callback);
    const refreshed = await postToken(idp, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
    });
    expect(refreshed.status).toBe(200);
    const body = (await refreshed.json()) as {
      access_token: string;
      refresh_token: string;
      id_token: string;
    };
    expect(body.refresh_token).not.toBe(tokens.refresh_token);
    expect(decodeProtectedHeader(body.access_token).typ).toBe('JWT');
    expect(decodeJwt(body.access_token).aud).toEqual([idp.clientId, idp.projectId]);
    expect((await userinfo(idp, body.access_token)).status).toBe(200);
  });

  it('requires PKCE', async () => {
    const browser = createTestBrowser(idp.issuer);
    const request = buildAuthorizationRequest(idp, { pkce: false });
    const callback = expectLeftIdp(await browser.navigate(request.url));
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(callback.searchParams.get('state')).toBe(request.state);
  });

  it('rejects a wrong code_verifier at the token endpoint', async () => {
    const { request, callback } = await registerViaPromptCreate(idp, newTestUser('verifier'));
    const response = await postToken(idp, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: request.redirectUri,
      code_verifier: 'x'.repeat(43),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('refuses an unregistered redirect URI without redirecting', async () => {
    const browser = createTestBrowser(idp.issuer);
    const result = expectPage(
      await browser.navigate(
        buildAuthorizationRequest(idp, { redirectUri: 'http://evil.example/callback' }).url,
      ),
    );
    expect(result.status).toBe(400);
    expect(result.html).toContain('redirect_uri did not match any of the client');
  });

  it('userinfo answers 401 with WWW-Authenticate for missing, forged and revoked tokens', async () => {
    const missing = await fetch(new URL('/oidc/v1/userinfo', idp.issuer));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);

    const { request, callback } = await registerViaPromptCreate(idp, newTestUser('revoke'));
    const tokens = await exchangeCode(idp, request, callback);
    const [head, body] = tokens.access_token.split('.');
    const forged = await userinfo(idp, `${head}.${body}.${'A'.repeat(342)}`);
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

    const revoke = await fetch(new URL('/oauth/v2/revoke', idp.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: idp.clientId, token: tokens.access_token }).toString(),
    });
    expect(revoke.status).toBe(200);
    const revoked = await userinfo(idp, tokens.access_token);
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('userinfo refuses tokens of deactivated users and introspection reports them inactive', async () => {
    const { idp, stop } = await startTestIdp({ introspectionClients: [API_CLIENT] });
    onTestFinished(stop);
    const user = newTestUser('deactivated');
    const { request, callback } = await registerViaPromptCreate(idp, user);
    const tokens = await exchangeCode(idp, request, callback);
    const introspect = async () =>
      (await (
        await fetch(new URL('/oauth/v2/introspect', idp.issuer), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ ...API_CLIENT_FORM, token: tokens.access_token }).toString(),
        })
      ).json()) as Record<string, unknown>;
    expect(await introspect()).toMatchObject({
      active: true,
      client_id: idp.clientId,
      sub: decodeJwt(tokens.access_token).sub,
    });
    const id = String(decodeJwt(tokens.access_token).sub);
    idp.users.deactivate(id);
    expect((await userinfo(idp, tokens.access_token)).status).toBe(401);
    expect(await introspect()).toEqual({ active: false });
    const refreshed = await postToken(idp, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
    });
    expect(refreshed.status).toBe(400);
  });

  it('accepts ZITADEL scopes and adds resource-owner claims when asked', async () => {
    const browser = createTestBrowser(idp.issuer);
    const request = buildAuthorizationRequest(idp, {
      prompt: 'create',
      scope: `openid email urn:zitadel:iam:org:project:id:${idp.projectId}:aud urn:zitadel:iam:user:resourceowner`,
    });
    const page = expectPage(await browser.navigate(request.url));
    const callback = expectLeftIdp(await completeRegistration(browser, page, newTestUser('owner')));
    const tokens = await exchangeCode(idp, request, callback);
    expect(tokens.refresh_token).toBeUndefined();
    const claims = decodeJwt(tokens.access_token);
    expect(claims['urn:zitadel:iam:user:resourceowner:id']).toBe(idp.orgId);
    expect(claims).not.toHaveProperty('email');
    const info = (await (await userinfo(idp, tokens.access_token)).json()) as Record<
      string,
      unknown
    >;
    expect(info).toHaveProperty('email');
    expect(info).not.toHaveProperty('given_name');
    expect(info['urn:zitadel:iam:user:resourceowner:id']).toBe(idp.orgId);
  });
});
