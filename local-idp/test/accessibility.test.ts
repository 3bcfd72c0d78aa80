import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_PAGE_PATH, ACCOUNT_TEXT } from '../src/account-page';
import type { LocalIdp } from '../src/index';
import { LABELS } from '../src/login-pages';
import { SHOW_PASSWORD_LABEL } from '../src/show-password';
import { CREATE_USER_FAILED_MESSAGE, SIGNUP_UNAVAILABLE_DETAIL } from '../src/signup-stopped';
import { axeViolations, launchChromium, maybeScreenshot } from './support/chromium';
import { buildAuthorizationRequest, newTestUser } from './support/oidc-client';
import { startTestIdp } from './support/temp-data-dir';

/**
 * Every page the local provider shows, in a real Chromium, checked by axe-core with all of its
 * rules (WCAG 2.x A and AA, best practices): each must have no violation. The pages are reached the
 * way a person reaches them (an app's sign-in request, typing, clicking), including every error
 * state. With IDP_SCREENSHOTS=<folder> the test also keeps a screenshot of each page.
 */

const APP_ORIGIN = 'http://localhost:5173';

let idp: LocalIdp;
let logs: string[];
let stopIdp: () => Promise<void>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
// How the AddHumanUser target answers the next registration.
let policy: 'allow' | 'refuse' | 'unreachable' = 'allow';
let closeTarget: () => Promise<void>;

async function startSignupPolicy(): Promise<string> {
  const server = createServer(async (req, res: ServerResponse) => {
    for await (const _chunk of req);
    if (policy === 'unreachable') return res.socket?.destroy();
    if (policy === 'refuse') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({ forwardedStatusCode: 400, forwardedErrorMessage: 'username is reserved' }),
      );
    }
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeTarget = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/actions/zitadel/add-human-user`;
}

beforeAll(async () => {
  const target = await startSignupPolicy();
  ({ idp, logs, stop: stopIdp } = await startTestIdp({ actionTargets: { addHumanUser: target } }));
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopIdp?.();
  await closeTarget?.();
});

beforeEach(async () => {
  await context?.close();
  policy = 'allow';
  context = await browser.newContext();
  // The app is not running: its callback answers here, so nothing leaves the machine.
  await context.route(`${APP_ORIGIN}/**`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<title>app</title>' }),
  );
  page = await context.newPage();
});

async function expectAccessible(name: string) {
  await maybeScreenshot(page, name);
  expect({ page: name, violations: await axeViolations(page) }).toEqual({
    page: name,
    violations: [],
  });
}

async function openSignIn(prompt?: string) {
  const request = buildAuthorizationRequest(idp, prompt ? { prompt } : {});
  await page.goto(request.url.toString());
}

// Playwright's web-first assertions belong to its runner: here each read is polled until it holds.
const normalize = (text: string) => text.replace(/\s+/g, ' ').trim();
const textsOf = async (locator: Locator) => (await locator.allInnerTexts()).map(normalize);
const textOf = async (locator: Locator) => (await textsOf(locator)).join(' ');
const field = (label: string) => page.getByLabel(label, { exact: true });
const button = (name: string) => page.getByRole('button', { name, exact: true });

async function fillFirstStep(person: ReturnType<typeof newTestUser>) {
  await field(LABELS.email).fill(person.email);
  await field(LABELS.givenName).fill(person.givenName);
  await field(LABELS.familyName).fill(person.familyName);
  await page.getByRole('checkbox', { name: LABELS.termsOfService }).check();
  await page.getByRole('checkbox', { name: LABELS.privacyPolicy }).check();
  await button(LABELS.continue).click();
}

async function signUp(person = newTestUser('a11y')) {
  await openSignIn('create');
  await fillFirstStep(person);
  await field(LABELS.password).fill(person.password);
  await field(LABELS.confirmPassword).fill(person.password);
  await button(LABELS.createAccount).click();
  await page.waitForURL((url) => url.origin === APP_ORIGIN);
  return person;
}

describe('every local provider page has no axe violation', () => {
  it('login page, and with its error', async () => {
    await openSignIn();
    await expect
      .poll(() => textOf(page.getByRole('heading', { level: 1 })))
      .toBe('Log in to Liverty Music');
    await expectAccessible('login');
    // Bad input: an unknown email with a wrong password.
    await field(LABELS.email).fill('nobody@example.com');
    await field(LABELS.password).fill('wrong-password');
    await button(LABELS.logIn).click();
    await expect.poll(() => textOf(page.getByRole('alert'))).toBe('Invalid email or password');
    await expect.poll(() => field(LABELS.email).inputValue()).toBe('nobody@example.com');
    await expectAccessible('login-error');
  });

  it('registration form with its method choice, Password preselected', async () => {
    await openSignIn('create');
    await expect
      .poll(() => page.getByRole('radio', { name: LABELS.passwordMethod }).isChecked())
      .toBe(true);
    await expect
      .poll(() => page.getByRole('radio', { name: LABELS.passkeyMethod }).isChecked())
      .toBe(false);
    await expectAccessible('register');
  });

  it('registration form showing every field’s error at once, keeping what was typed', async () => {
    await openSignIn('create');
    // Bad input: an invalid email, no names, no consents, and Passkey chosen.
    await field(LABELS.email).fill('not-an-email');
    await page.getByRole('radio', { name: LABELS.passkeyMethod }).check();
    await button(LABELS.continue).click();
    const errors = page.locator('.field-error');
    await expect
      .poll(() => textsOf(errors))
      .toEqual([
        'Enter a valid email address',
        'Given name is required',
        'Family name is required',
        'Accept the Terms of Service to create an account',
        'Accept the Privacy Policy to create an account',
        'Passkeys are not available on the local identity provider: choose Password',
      ]);
    await expect.poll(() => field(LABELS.email).inputValue()).toBe('not-an-email');
    await expect.poll(() => field(LABELS.givenName).getAttribute('aria-invalid')).toBe('true');
    await expectAccessible('register-errors');
  });

  it('registration form when the email already exists, with "Log in instead"', async () => {
    const person = await signUp();
    await context.clearCookies();
    await openSignIn('create');
    await fillFirstStep(person);
    await expect
      .poll(() => textOf(page.locator('#email-error')))
      .toBe('An account with this email already exists. Log in instead');
    await expectAccessible('register-duplicate-email');
    await page.getByRole('link', { name: LABELS.logInInstead }).click();
    await expect.poll(() => field(LABELS.email).inputValue()).toBe(person.email);
  });

  it('password step, its show-password toggle, and its errors', async () => {
    await openSignIn('create');
    await fillFirstStep(newTestUser('a11y'));
    await expectAccessible('register-password');
    const toggle = page.getByRole('button', { name: SHOW_PASSWORD_LABEL, exact: true });
    await field(LABELS.password).fill('weak');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => field(LABELS.password).getAttribute('type')).toBe('text');
    await expectAccessible('register-password-shown');
    // Bad input: a password breaking four rules and a confirmation that differs.
    await field(LABELS.confirmPassword).fill('different');
    await button(LABELS.createAccount).click();
    await expect.poll(() => page.locator('.field-error').count()).toBe(2);
    // Typed passwords are never sent back into the page.
    await expect.poll(() => field(LABELS.password).inputValue()).toBe('');
    expect(await page.content()).not.toContain('different');
    await expectAccessible('register-password-errors');
  });

  for (const [state, detail] of [
    ['refuse', undefined],
    ['unreachable', SIGNUP_UNAVAILABLE_DETAIL],
  ] as const) {
    it(`signup stopped by the signup policy (${state}): Login V2's text, no field marked`, async () => {
      const person = newTestUser('a11y');
      await openSignIn('create');
      await fillFirstStep(person);
      policy = state;
      await field(LABELS.password).fill(person.password);
      await field(LABELS.confirmPassword).fill(person.password);
      await button(LABELS.createAccount).click();
      await expect
        .poll(() => textOf(page.getByRole('alert')))
        .toBe(detail ? `${CREATE_USER_FAILED_MESSAGE} ${detail}` : CREATE_USER_FAILED_MESSAGE);
      await expect.poll(() => page.locator('[aria-invalid="true"]').count()).toBe(0);
      expect(logs.join('\n')).toContain(
        state === 'refuse' ? 'refused with 400: username is reserved' : 'failed: ',
      );
      await expectAccessible(`signup-${state === 'refuse' ? 'refused' : 'unavailable'}`);
    });
  }

  it('account page, signed in and signed out', async () => {
    const person = await signUp();
    await page.goto(new URL(ACCOUNT_PAGE_PATH, idp.issuer).toString());
    await expect
      .poll(() => textOf(page.getByRole('heading', { level: 1 })))
      .toBe(ACCOUNT_TEXT.title);
    await expect
      .poll(() => textsOf(page.locator('dd')))
      .toEqual([
        `${person.givenName} ${person.familyName}`,
        person.email,
        ACCOUNT_TEXT.notVerified,
      ]);
    await expectAccessible('account');
    await context.clearCookies();
    await page.reload();
    await expect
      .poll(() => textOf(page.getByRole('heading', { level: 1 })))
      .toBe(ACCOUNT_TEXT.signedOutTitle);
    await expectAccessible('account-signed-out');
  });

  it('logout confirmation and the logged-out page', async () => {
    await signUp();
    const endSession = new URL('/oidc/v1/end_session', idp.issuer);
    // The confirmation submits itself at once; a browser without scripts shows its button instead.
    // axe needs scripts, so the page is shown here as such a browser shows it: the same document
    // without its submitting script and with its <noscript> content in place.
    await page.route('**/oidc/v1/end_session', async (route) => {
      const response = await route.fetch();
      const body = (await response.text())
        .replace(/<script>[\s\S]*?<\/script>/, '')
        .replace(/<\/?noscript>/g, '');
      await route.fulfill({ response, body });
    });
    await page.goto(endSession.toString());
    await expect.poll(() => textOf(page.getByRole('button'))).toBe('Log out');
    await expectAccessible('logout-confirm');
    await page.unroute('**/oidc/v1/end_session');
    await page.goto(endSession.toString());
    await expect
      .poll(() => textOf(page.getByRole('heading', { level: 1 })))
      .toBe('You are logged out');
    await expectAccessible('logged-out');
  });

  it('error pages: a refused sign-in request, an expired one, a path that does not exist', async () => {
    // Bad input: an unknown client_id.
    await page.goto(new URL('/oauth/v2/authorize?client_id=nobody', idp.issuer).toString());
    await expect
      .poll(() => textOf(page.getByRole('heading', { level: 1 })))
      .toBe('Something went wrong');
    await expectAccessible('error-oidc');
    await page.goto(new URL('/ui/v2/login/not-a-request', idp.issuer).toString());
    await expect
      .poll(() => textOf(page.getByRole('heading', { level: 1 })))
      .toBe('Sign-in request expired');
    await expectAccessible('error-expired');
    await page.goto(new URL('/ui/v2/login/x/y/z', idp.issuer).toString());
    await expect.poll(() => textOf(page.getByRole('heading', { level: 1 }))).toBe('Not found');
    await expectAccessible('error-not-found');
  });
});
