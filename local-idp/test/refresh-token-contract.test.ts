// How the SPA stays signed in (docs/decisions/033): a refresh token, asked for with
// `offline_access`, rotated on every use and ended with the provider session. Each case names the
// ZITADEL behaviour it pins:
// - zitadel/zitadel internal/api/oidc/auth_request.go: the OIDC session gets a refresh token only
//   when the scopes contain offline_access (`slices.Contains(scope, oidc.ScopeOfflineAccess)`).
// - help.zitadel.com "How to enable and receive refresh tokens": "Zitadel issues rotating refresh
//   tokens ... when you use the refresh token ... you will get a new refresh token as well".
// - internal/api/oidc/auth_request.go OPStorage.TerminateSessionFromRequest: end_session with an
//   id_token_hint terminates that session, and with it the tokens issued from it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalIdp } from '../src/index';
import {
  buildAuthorizationRequest,
  completeRegistration,
  exchangeCode,
  expectLeftIdp,
  expectPage,
  newTestUser,
  postToken,
  registerViaPromptCreate,
} from './support/oidc-client';
import { startTestIdp } from './support/temp-data-dir';
import { createTestBrowser } from './support/test-browser';

async function refresh(idp: LocalIdp, refreshToken: string) {
  const response = await postToken(idp, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      refresh_token?: string;
      error?: string;
      access_token?: string;
    },
  };
}

describe('refresh tokens, as ZITADEL issues them', () => {
  let idp: LocalIdp;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ idp, stop } = await startTestIdp());
  });
  afterAll(() => stop());

  it('issues one only for offline_access', async () => {
    const browser = createTestBrowser(idp.issuer);
    const request = buildAuthorizationRequest(idp, {
      prompt: 'create',
      scope: `openid profile email urn:zitadel:iam:org:project:id:${idp.projectId}:aud`,
    });
    const page = expectPage(await browser.navigate(request.url));
    const callback = expectLeftIdp(
      await completeRegistration(browser, page, newTestUser('online')),
    );
    expect((await exchangeCode(idp, request, callback)).refresh_token).toBeUndefined();

    const offline = await registerViaPromptCreate(idp, newTestUser('offline'));
    const tokens = await exchangeCode(idp, offline.request, offline.callback);
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('rotates on every use: the new one works, the used one is refused', async () => {
    const { request, callback } = await registerViaPromptCreate(idp, newTestUser('rotate'));
    const first = (await exchangeCode(idp, request, callback)).refresh_token ?? '';
    const second = await refresh(idp, first);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).toEqual(expect.any(String));
    expect(second.body.refresh_token).not.toBe(first);
    // Tried: redeeming the first refresh token again, as a second tab holding a stale copy would.
    const replay = await refresh(idp, first);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('ends with the session: after end_session the refresh token is refused', async () => {
    const { browser, request, callback } = await registerViaPromptCreate(
      idp,
      newTestUser('logout-refresh'),
    );
    const tokens = await exchangeCode(idp, request, callback);
    const logout = new URL('/oidc/v1/end_session', idp.issuer);
    logout.searchParams.set('id_token_hint', tokens.id_token);
    logout.searchParams.set('post_logout_redirect_uri', idp.postLogoutRedirectUris[0] ?? '');
    logout.searchParams.set('state', 'signed-out');
    const back = expectLeftIdp(await browser.navigate(logout));
    // The state comes back: the SPA tells "You are signed out" by it (returnedFromSignOut).
    expect(back.searchParams.get('state')).toBe('signed-out');
    const after = await refresh(idp, tokens.refresh_token ?? '');
    expect(after.status).toBe(400);
    expect(after.body.error).toBe('invalid_grant');
  });

  it('refuses junk and empty refresh tokens with invalid_grant or invalid_request, never 500', async () => {
    // Tried: empty, random, a JWT-looking string and 8 KB of junk.
    for (const junk of ['', 'not-a-token', 'eyJhbGciOiJub25lIn0.e30.', 'x'.repeat(8192)]) {
      const answer = await refresh(idp, junk);
      expect(answer.status, junk.slice(0, 20)).toBe(400);
      expect(['invalid_grant', 'invalid_request']).toContain(answer.body.error);
    }
  });
});
