import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalIdp } from '../src/index';
import {
  buildAuthorizationRequest,
  decodeJwt,
  exchangeCode,
  expectLeftIdp,
  expectPage,
  newTestUser,
  registerViaPromptCreate,
  userinfo,
} from './support/oidc-client';
import { startTestIdp } from './support/temp-data-dir';
import { alertText, createTestBrowser } from './support/test-browser';

// Signing in and out: the login page, its errors, switching to registration, Cancel,
// end_session, and the request log the flow leaves behind.
describe('authorization code + PKCE flow', () => {
  let idp: LocalIdp;
  let logs: string[];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ idp, logs, stop } = await startTestIdp());
  });
  afterAll(() => stop());

  it('logs in an existing user with the login page', async () => {
    const user = newTestUser('login');
    const created = await idp.users.create({ ...user, emailVerified: true });
    const browser = createTestBrowser(idp.issuer);
    const request = buildAuthorizationRequest(idp);
    const page = expectPage(await browser.navigate(request.url));
    expect(page.html).toContain('<label for="email">Email</label>');
    expect(page.html).toContain('<label for="password">Password</label>');
    expect(page.html).toMatch(/<button type="submit" class="primary">Log in<\/button>/);
    expect(page.html).toMatch(/<a href="[^"]+\?view=register">Create an account<\/a>/);
    expect(page.html).toMatch(/<button type="submit">Cancel<\/button>/);

    const callback = expectLeftIdp(
      await browser.submit(page, '/login', {
        email: user.email.toUpperCase(),
        password: user.password,
      }),
    );
    const tokens = await exchangeCode(idp, request, callback);
    expect(decodeJwt(tokens.access_token).sub).toBe(created.id);
    const claims = (await (await userinfo(idp, tokens.access_token)).json()) as Record<
      string,
      unknown
    >;
    expect(claims.email_verified).toBe(true);

    // The IdP session is reused: a second authorization needs no page (SSO, like ZITADEL's session cookie).
    const again = buildAuthorizationRequest(idp);
    const silent = expectLeftIdp(await browser.navigate(again.url));
    expect(silent.searchParams.get('code')).toBeTruthy();
    expect(silent.searchParams.get('state')).toBe(again.state);
  });

  it('shows "Invalid email or password" for a wrong password or unknown email', async () => {
    const user = newTestUser('wrongpw');
    await idp.users.create(user);
    const browser = createTestBrowser(idp.issuer);
    const page = expectPage(await browser.navigate(buildAuthorizationRequest(idp).url));
    const wrong = expectPage(
      await browser.submit(page, '/login', { email: user.email, password: 'not the password 1' }),
    );
    expect(wrong.status).toBe(200);
    expect(alertText(wrong.html)).toBe('Invalid email or password');
    expect(wrong.html).toContain(`value="${user.email}"`);
    const unknown = expectPage(
      await browser.submit(wrong, '/login', {
        email: 'nobody@example.com',
        password: 'whatever 1',
      }),
    );
    expect(alertText(unknown.html)).toBe('Invalid email or password');
    // The error page still works: the right password completes the flow.
    expectLeftIdp(
      await browser.submit(unknown, '/login', { email: user.email, password: user.password }),
    );
  });

  it('switches between the login and registration pages', async () => {
    const browser = createTestBrowser(idp.issuer);
    const request = buildAuthorizationRequest(idp, { prompt: 'create' });
    const register = expectPage(await browser.navigate(request.url));
    const loginLink = /<a href="([^"]+)">Log in<\/a>/.exec(register.html)?.[1] ?? '';
    const login = expectPage(
      await browser.navigate(new URL(loginLink.replaceAll('&amp;', '&'), register.url)),
    );
    expect(login.html).toContain('Log in to Liverty Music');
    const user = newTestUser('switch');
    await idp.users.create(user);
    // Logging in from a prompt=create request still completes it.
    const callback = expectLeftIdp(
      await browser.submit(login, '/login', { email: user.email, password: user.password }),
    );
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  it('Cancel returns error=access_denied with the state', async () => {
    for (const prompt of ['create', undefined]) {
      const browser = createTestBrowser(idp.issuer);
      const request = buildAuthorizationRequest(idp, prompt ? { prompt } : {});
      const page = expectPage(await browser.navigate(request.url));
      const callback = expectLeftIdp(await browser.submit(page, '/cancel'));
      expect(callback.origin + callback.pathname).toBe(request.redirectUri);
      expect(callback.searchParams.get('error')).toBe('access_denied');
      expect(callback.searchParams.get('state')).toBe(request.state);
      expect(callback.searchParams.has('code')).toBe(false);
    }
  });

  it('end_session with id_token_hint signs out and redirects back without a click', async () => {
    const { browser, request, callback } = await registerViaPromptCreate(
      idp,
      newTestUser('logout'),
    );
    const tokens = await exchangeCode(idp, request, callback);
    const logoutUrl = new URL('/oidc/v1/end_session', idp.issuer);
    logoutUrl.searchParams.set('id_token_hint', tokens.id_token);
    logoutUrl.searchParams.set('post_logout_redirect_uri', idp.postLogoutRedirectUris[0] ?? '');
    logoutUrl.searchParams.set('state', 'bye');
    const back = expectLeftIdp(await browser.navigate(logoutUrl));
    expect(back.origin + back.pathname).toBe(idp.postLogoutRedirectUris[0]);
    expect(back.searchParams.get('state')).toBe('bye');
    // Signed out: the next authorization shows the login page again, and the old tokens are dead.
    expectPage(await browser.navigate(buildAuthorizationRequest(idp).url));
    expect((await userinfo(idp, tokens.access_token)).status).toBe(401);
  });

  it('logs one line per request without query strings, passwords or tokens', async () => {
    const user = newTestUser('logging');
    const { request, callback } = await registerViaPromptCreate(idp, user);
    const tokens = await exchangeCode(idp, request, callback);
    await userinfo(idp, tokens.access_token);
    const lines = logs.join('\n');
    expect(logs.every((line) => /^[A-Z]+ \/\S* \d{3}( \(aborted\))? \d+ms$/.test(line))).toBe(true);
    expect(lines).not.toContain('?');
    for (const secret of [
      user.password,
      tokens.access_token,
      tokens.id_token,
      tokens.refresh_token ?? '-',
      idp.adminPat,
    ]) {
      expect(lines).not.toContain(secret);
    }
  });
});
