import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { LocalIdp } from '../src/index';
import { PASSWORD_POLICY_ERROR } from '../src/password-policy';
import { PRIVACY_POLICY_REQUIRED_MESSAGE, TOS_REQUIRED_MESSAGE } from '../src/registration-form';
import {
  buildAuthorizationRequest,
  completeRegistration,
  decodeJwt,
  exchangeCode,
  expectLeftIdp,
  expectPage,
  newTestUser,
  postToken,
  REGISTRATION_CHOICES,
  registerViaPromptCreate,
  verifyWithJwks,
} from './support/oidc-client';
import { startTestIdp } from './support/temp-data-dir';
import { alertText, createTestBrowser, decodeEntities } from './support/test-browser';

async function userinfo(idp: LocalIdp, accessToken: string): Promise<Response> {
  return fetch(new URL('/oidc/v1/userinfo', idp.issuer), {
    headers: { authorization: `Bearer ${accessToken}` },
  });
}

const API_CLIENT = { clientId: '336500000000000300', clientSecret: 'test-only-api-secret' };
const API_CLIENT_FORM = { client_id: API_CLIENT.clientId, client_secret: API_CLIENT.clientSecret };

describe('authorization code + PKCE flow', () => {
  let idp: LocalIdp;
  let logs: string[];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ idp, logs, stop } = await startTestIdp());
  });
  afterAll(() => stop());

  it('prompt=create shows the first registration step: fields, both consents, the method chooser', async () => {
    const browser = createTestBrowser(idp.issuer);
    const page = expectPage(
      await browser.navigate(buildAuthorizationRequest(idp, { prompt: 'create' }).url),
    );
    expect(page.status).toBe(200);
    for (const [id, label] of [
      ['email', 'Email'],
      ['givenName', 'Given name'],
      ['familyName', 'Family name'],
    ]) {
      expect(page.html).toContain(`<label for="${id}">${label}</label>`);
      expect(page.html).toMatch(new RegExp(`<input id="${id}" name="${id}"`));
    }
    // Login V2 with both legal links set: two required checkboxes, neither ticked.
    for (const [id, label] of [
      ['tos', 'Terms of Service'],
      ['privacyPolicy', 'Privacy Policy'],
    ]) {
      expect(page.html).toMatch(
        new RegExp(`<input type="checkbox" id="${id}" name="${id}" value="accepted"\\s*>`),
      );
      expect(page.html).toContain(`<label for="${id}">${label}</label>`);
    }
    // Login V2's method chooser in its order; Password preselected, as this provider has no
    // passkeys (Login V2 preselects Passkey; docs/decisions/034).
    expect(page.html).toMatch(
      /<input type="radio" id="method-passkey" name="method" value="passkey"\s*>/,
    );
    expect(page.html).toMatch(
      /<input type="radio" id="method-password" name="method" value="password"\s+checked/,
    );
    expect(page.html.indexOf('id="method-passkey"')).toBeLessThan(
      page.html.indexOf('id="method-password"'),
    );
    expect(page.html).toContain('<label for="method-password">Password</label>');
    expect(page.html).toMatch(/<button type="submit" class="primary">Continue<\/button>/);
    expect(page.html).toMatch(/<a href="[^"]+\?view=login">Log in<\/a>/);
    expect(page.html).toMatch(/<button type="submit">Cancel<\/button>/);

    const user = newTestUser('labels');
    const { password: _, ...details } = user;
    const second = expectPage(
      await browser.submit(page, '/register', { ...details, ...REGISTRATION_CHOICES }),
    );
    expect(second.html).toContain('<label for="password">Password</label>');
    expect(second.html).toContain('<label for="confirmPassword">Confirm password</label>');
    for (const rule of [
      'Must be at least 8 characters long.',
      'Must include a symbol.',
      'Must include a number.',
      'Must include an uppercase letter.',
      'Must include a lowercase letter.',
    ]) {
      expect(second.html).toContain(`<li>${rule}</li>`);
    }
    expect(second.html).toMatch(/<button type="submit" class="primary">Create account<\/button>/);
    // The first step's answers travel with the form, not in the URL.
    expect(second.url.search).toBe('');
    expect(second.html).toContain(`<input type="hidden" name="email" value="${user.email}">`);
  });

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

  it('refuses a duplicate email on the first step with a visible error', async () => {
    const user = newTestUser('dup');
    await idp.users.create(user);
    const browser = createTestBrowser(idp.issuer);
    const page = expectPage(
      await browser.navigate(buildAuthorizationRequest(idp, { prompt: 'create' }).url),
    );
    const { password: _, ...details } = user;
    const result = expectPage(
      await browser.submit(page, '/register', {
        ...details,
        ...REGISTRATION_CHOICES,
        email: user.email.toUpperCase(),
      }),
    );
    expect(result.status).toBe(200);
    expect(alertText(result.html)).toBe('An account with this email already exists');
    expect(result.html).toMatch(/id="email"[^>]*aria-invalid="true"/);
    // Beside the message: the login page of the same request, with the email filled in.
    const logIn = /<a href="([^"]+)">Log in instead<\/a>/.exec(result.html)?.[1] ?? '';
    const login = expectPage(await browser.navigate(new URL(decodeEntities(logIn), result.url)));
    expect(login.html).toContain('<h1>Log in to Liverty Music</h1>');
    expect(login.html).toContain(`value="${user.email.toUpperCase()}"`);
  });

  it('requires both consents and the Password method before the password step', async () => {
    const browser = createTestBrowser(idp.issuer);
    const page = expectPage(
      await browser.navigate(buildAuthorizationRequest(idp, { prompt: 'create' }).url),
    );
    const { password: _, ...details } = newTestUser('steps');
    // Bad input tried: each consent left unticked, and Passkey chosen.
    const cases = [
      { change: { tos: '' }, field: 'tos', alert: TOS_REQUIRED_MESSAGE },
      {
        change: { privacyPolicy: '' },
        field: 'privacyPolicy',
        alert: PRIVACY_POLICY_REQUIRED_MESSAGE,
      },
      {
        change: { method: 'passkey' },
        field: 'method-passkey',
        alert: 'Passkeys are not available on the local identity provider: choose Password',
      },
    ] as const;
    for (const { change, field, alert } of cases) {
      const result = expectPage(
        await browser.submit(page, '/register', { ...details, ...REGISTRATION_CHOICES, ...change }),
      );
      expect(result.status).toBe(200);
      expect(alertText(result.html)).toBe(alert);
      expect(result.html).toMatch(new RegExp(`id="${field}"[^>]*aria-invalid="true"`));
      // What was typed and ticked stays.
      expect(result.html).toContain(`value="${details.email}"`);
      expect(result.html).not.toContain('name="confirmPassword"');
    }
    expect(idp.users.findByEmail(details.email)).toBeUndefined();
  });

  it('shows every problem of the first step at once, each beside its field', async () => {
    const browser = createTestBrowser(idp.issuer);
    const page = expectPage(
      await browser.navigate(buildAuthorizationRequest(idp, { prompt: 'create' }).url),
    );
    // Bad input tried: an invalid email, blank names, no consents, Passkey chosen — all at once.
    const result = expectPage(
      await browser.submit(page, '/register', {
        email: 'fan@@example',
        givenName: '  ',
        familyName: '',
        tos: '',
        privacyPolicy: '',
        method: 'passkey',
      }),
    );
    const messages = [
      ['email', 'Enter a valid email address'],
      ['givenName', 'Given name is required'],
      ['familyName', 'Family name is required'],
      ['tos', TOS_REQUIRED_MESSAGE],
      ['privacyPolicy', PRIVACY_POLICY_REQUIRED_MESSAGE],
      [
        'method-passkey',
        'Passkeys are not available on the local identity provider: choose Password',
      ],
    ] as const;
    expect(alertText(result.html)).toBe(messages.map(([, message]) => message).join(' '));
    for (const [id, message] of messages) {
      expect(result.html).toContain(`<p class="field-error" id="${id}-error">${message}</p>`);
      expect(result.html).toMatch(
        new RegExp(`id="${id}"[^>]*aria-describedby="${id}-error"[^>]*aria-invalid="true"`),
      );
    }
    expect(result.html).toContain('value="fan@@example"');
  });

  it("enforces ZITADEL's default password policy and the confirmation, with visible errors", async () => {
    const browser = createTestBrowser(idp.issuer);
    const page = expectPage(
      await browser.navigate(buildAuthorizationRequest(idp, { prompt: 'create' }).url),
    );
    const { password: _, ...details } = newTestUser('weak');
    const passwordStep = expectPage(
      await browser.submit(page, '/register', { ...details, ...REGISTRATION_CHOICES }),
    );
    // Bad input tried: each rule broken alone.
    for (const [password, unmet] of [
      ['Short1!', 'Must be at least 8 characters long.'],
      ['lowercase-only-1', 'Must include an uppercase letter.'],
      ['UPPERCASE-ONLY-1', 'Must include a lowercase letter.'],
      ['No-digits-here', 'Must include a number.'],
      ['NoSymbols123', 'Must include a symbol.'],
    ] as const) {
      const result = expectPage(
        await browser.submit(passwordStep, '/register/password', {
          password,
          confirmPassword: password,
        }),
      );
      expect(result.status).toBe(200);
      expect(alertText(result.html)).toBe(PASSWORD_POLICY_ERROR);
      expect(result.html).toMatch(/id="password"[^>]*aria-invalid="true"/);
      expect(result.html).toContain(
        `<li class="unmet">${unmet} <span class="rule-state">(not met)</span></li>`,
      );
      expect(result.html).not.toContain(password);
    }
    const mismatch = expectPage(
      await browser.submit(passwordStep, '/register/password', {
        password: 'Correct horse 1',
        confirmPassword: 'Correct horse 2',
      }),
    );
    expect(alertText(mismatch.html)).toBe('The passwords do not match');
    expect(mismatch.html).toMatch(/id="confirmPassword"[^>]*aria-invalid="true"/);
    // Bad input tried: a weak password and a different confirmation: both problems at once.
    const both = expectPage(
      await browser.submit(passwordStep, '/register/password', {
        password: 'weak',
        confirmPassword: 'other',
      }),
    );
    expect(alertText(both.html)).toBe(`${PASSWORD_POLICY_ERROR} The passwords do not match`);
    expect(both.html).not.toMatch(/value="(weak|other)"/);
    expect(idp.users.findByEmail(details.email)).toBeUndefined();

    expectLeftIdp(
      await browser.submit(passwordStep, '/register/password', {
        password: 'Correct horse 1',
        confirmPassword: 'Correct horse 1',
      }),
    );
    expect(idp.users.findByEmail(details.email)).toBeDefined();
  });

  it('checks the first step again on the second: forged hidden fields go back to the first step', async () => {
    const browser = createTestBrowser(idp.issuer);
    const page = expectPage(
      await browser.navigate(buildAuthorizationRequest(idp, { prompt: 'create' }).url),
    );
    const { password, ...details } = newTestUser('forged');
    const passwordStep = expectPage(
      await browser.submit(page, '/register', { ...details, ...REGISTRATION_CHOICES }),
    );
    // Bad input tried: the consents removed from the hidden fields of the second step.
    const forged = {
      ...passwordStep,
      html: passwordStep.html.replace(/<input type="hidden" name="(tos|privacyPolicy)"[^>]*>/g, ''),
    };
    const result = expectPage(
      await browser.submit(forged, '/register/password', { password, confirmPassword: password }),
    );
    expect(alertText(result.html)).toBe(
      `${TOS_REQUIRED_MESSAGE} ${PRIVACY_POLICY_REQUIRED_MESSAGE}`,
    );
    expect(result.html).toMatch(/id="tos"[^>]*aria-invalid="true"/);
    expect(idp.users.findByEmail(details.email)).toBeUndefined();
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
