import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalIdp } from '../src/index';
import { PASSWORD_POLICY_ERROR } from '../src/password-policy';
import { PRIVACY_POLICY_REQUIRED_MESSAGE, TOS_REQUIRED_MESSAGE } from '../src/registration-form';
import {
  buildAuthorizationRequest,
  expectLeftIdp,
  expectPage,
  newTestUser,
  REGISTRATION_CHOICES,
} from './support/oidc-client';
import { startTestIdp } from './support/temp-data-dir';
import { alertText, createTestBrowser, decodeEntities } from './support/test-browser';

// Registration through prompt=create: the first step's fields, consents and errors, and the
// password step with ZITADEL's default password policy.
describe('authorization code + PKCE flow', () => {
  let idp: LocalIdp;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ idp, stop } = await startTestIdp());
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
});
