import { waitUntil } from '@liverty-music/test-support/wait-until';
import type { Browser } from 'playwright-core';
import { LABELS } from '../../local-idp/src/login-pages';
import {
  ACCOUNT_READY,
  LONG_TASK_RECORDER,
  readSignupTiming,
  type SignupTiming,
} from '../../scripts/signup-timing';
import type { Stack } from '../../scripts/stack';

/**
 * warm: the callback's files are in the browser cache, prefetched by the landing page while the
 * person filled in the provider's form. cold: the cache is emptied just before the provider
 * redirects back, as for a first-time visitor whose landing page never got to prefetch (a slow
 * connection, the verification link opened in another browser).
 */
export type CacheState = 'warm' | 'cold';

export interface SignupSample {
  cache: CacheState;
  timing: SignupTiming;
  /** The home page's first contentful paint on the same visit, in ms from its navigation start. */
  homeFirstRender: number;
}

// The launch flags the end-to-end suite uses with Debian's Chromium.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * One real signup in a fresh browser context, like a first-time visitor: the home page, "Sign up",
 * the provider's registration form, then /callback until "Your account is ready".
 */
export async function signUpInBrowser(
  browser: Browser,
  stack: Pick<Stack, 'appUrl' | 'issuer'>,
  cache: CacheState,
  label: string,
): Promise<SignupSample> {
  const context = await browser.newContext();
  await context.addInitScript({ content: LONG_TASK_RECORDER });
  try {
    const page = await context.newPage();
    // A build the served policy refuses a script of (an inline script whose hash this worktree's
    // CSP lacks) would measure another path than it ships, silently: fail instead (decision 041).
    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/.test(message.text())) {
        refused.push(message.text());
      }
    });
    await page.goto(stack.appUrl);
    const signUp = page.getByRole('button', { name: 'Sign up' });
    await signUp.waitFor({ timeout: 30_000 });
    const homeFirstRender = await page.evaluate(
      () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
    );
    await signUp.click();
    // The local provider takes Login V2's two registration steps (local-idp/src/login-pages.ts).
    const id = `${Date.now().toString(36)}${label}`;
    await page.getByLabel(LABELS.email, { exact: true }).fill(`bench-${id}@example.com`);
    await page.getByLabel(LABELS.givenName, { exact: true }).fill('Bench');
    await page.getByLabel(LABELS.familyName, { exact: true }).fill(`Signup ${id}`);
    await page.getByRole('checkbox', { name: LABELS.termsOfService, exact: true }).check();
    await page.getByRole('checkbox', { name: LABELS.privacyPolicy, exact: true }).check();
    await page.getByRole('radio', { name: LABELS.passwordMethod, exact: true }).check();
    await page.getByRole('button', { name: LABELS.continue, exact: true }).click();
    // ZITADEL's default password complexity: upper, lower, digit, symbol.
    const password = `Bench-pass-${label}7`;
    await page.getByLabel(LABELS.password, { exact: true }).fill(password);
    await page.getByLabel(LABELS.confirmPassword, { exact: true }).fill(password);
    const cdp = await context.newCDPSession(page);
    if (cache === 'cold') await cdp.send('Network.clearBrowserCache');
    await page.getByRole('button', { name: LABELS.createAccount, exact: true }).click();
    // Polled over CDP (no script injected into the page), often, so the page is read soon after.
    await waitUntil(
      'the callback page to mark "account ready"',
      async () =>
        (
          await cdp
            .send('Runtime.evaluate', { expression: ACCOUNT_READY, returnByValue: true })
            .catch(() => undefined)
        )?.result.value === true,
      { timeoutMs: 30_000, intervalMs: 10 },
    );
    await page.getByRole('heading', { name: 'Your account is ready' }).waitFor({ timeout: 5_000 });
    const timing = await page.evaluate(readSignupTiming, {
      app: new URL(stack.appUrl).origin,
      issuer: new URL(stack.issuer).origin,
    });
    if (refused.length > 0) throw new Error(`the CSP refused part of the app: ${refused[0]}`);
    return { cache, timing, homeFirstRender };
  } finally {
    await context.close();
  }
}
