import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { LABELS } from '../../local-idp/src/login-pages.ts';
import {
  ACCOUNT_READY,
  LONG_TASK_RECORDER,
  median,
  readSignupTiming,
  type SignupTiming,
  type SignupTimingSummary,
  summarizeSignupTimings,
} from '../../scripts/signup-timing';
import { startStack } from '../../scripts/stack';
import type { BenchConfig } from './bench-config';
import { createBenchDatabase } from './create-bench-database';
import { freePort } from './free-port';
import { progress } from './progress-log';

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

export interface SignupResults {
  samples: SignupSample[];
  /** The warm signups (the figure reported before cold ones were measured). */
  summary: SignupTimingSummary;
  /** The cold signups, measured alternately with the warm ones in the same run. */
  cold: { summary: SignupTimingSummary; networkFloor: number };
  /** Same-run baselines for the app's share (median ms). */
  baselines: {
    /** The home page's first contentful paint: what loading one page of this app costs here. */
    homeFirstRender: number;
    /** Token request + GetOrCreate request, per signup: the network and servers alone. */
    networkFloor: number;
  };
}

// The launch flags the end-to-end suite uses with Debian's Chromium.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Polls a condition over CDP (no script injected into the page) every 10 ms, for up to 30 s. */
async function waitUntil(condition: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Item 1, fourth figure (issue 24 item 4: warm and cold side by side): real signups in Chromium against the production build (vite preview),
 * the local identity provider and the backend on Postgres, each in a fresh browser context like a
 * first-time visitor. Server-side provisioning is off, so the callback alone creates the user.
 */
export async function measureSignupTime(config: BenchConfig): Promise<SignupResults> {
  const database = await createBenchDatabase(config.adminDatabaseUrl, 'browser');
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-stack-'));
  try {
    progress(
      'browser: building the frontend and starting the stack (identity provider, backend, vite preview)',
    );
    const stack = await startStack({
      dataDir,
      idpPort: await freePort(),
      apiPort: await freePort(),
      webPort: await freePort(),
      databaseUrl: database.url,
      web: 'preview',
      webhook: false,
      reconciler: false,
      logLevel: 'warn',
    });
    const browser = await chromium.launch({
      executablePath: config.chromiumPath,
      args: CHROMIUM_ARGS,
      headless: true,
    });
    const samples: SignupSample[] = [];
    try {
      // One unmeasured signup first: the backend discovers the issuer and loads its keys once.
      // Then warm and cold alternate, so a busy moment on the machine hits both alike.
      for (let i = 0; i <= 2 * config.signups; i++) {
        const cache: CacheState = i % 2 === 0 ? 'warm' : 'cold';
        const context = await browser.newContext();
        await context.addInitScript({ content: LONG_TASK_RECORDER });
        try {
          const page = await context.newPage();
          await page.goto(stack.appUrl);
          const signUp = page.getByRole('button', { name: 'Sign up' });
          await signUp.waitFor({ timeout: 30_000 });
          const homeFirstRender = await page.evaluate(
            () =>
              performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
          );
          await signUp.click();
          // The local provider takes Login V2's two registration steps (local-idp/src/login-pages.ts).
          const id = `${Date.now().toString(36)}${i}`;
          await page.getByLabel(LABELS.email, { exact: true }).fill(`bench-${id}@example.com`);
          await page.getByLabel(LABELS.givenName, { exact: true }).fill('Bench');
          await page.getByLabel(LABELS.familyName, { exact: true }).fill(`Signup ${id}`);
          await page.getByRole('checkbox', { name: LABELS.termsOfService, exact: true }).check();
          await page.getByRole('checkbox', { name: LABELS.privacyPolicy, exact: true }).check();
          await page.getByRole('radio', { name: LABELS.passwordMethod, exact: true }).check();
          await page.getByRole('button', { name: LABELS.continue, exact: true }).click();
          // ZITADEL's default password complexity: upper, lower, digit, symbol.
          const password = `Bench-pass-${i}7`;
          await page.getByLabel(LABELS.password, { exact: true }).fill(password);
          await page.getByLabel(LABELS.confirmPassword, { exact: true }).fill(password);
          const cdp = await context.newCDPSession(page);
          if (cache === 'cold') await cdp.send('Network.clearBrowserCache');
          await page.getByRole('button', { name: LABELS.createAccount, exact: true }).click();
          await waitUntil(
            async () =>
              (
                await cdp
                  .send('Runtime.evaluate', { expression: ACCOUNT_READY, returnByValue: true })
                  .catch(() => undefined)
              )?.result.value === true,
            'the callback page to mark "account ready"',
          );
          await page
            .getByRole('heading', { name: 'Your account is ready' })
            .waitFor({ timeout: 5_000 });
          const timing = await page.evaluate(readSignupTiming, {
            app: new URL(stack.appUrl).origin,
            issuer: new URL(stack.issuer).origin,
          });
          if (i === 0) continue;
          samples.push({ cache, timing, homeFirstRender });
        } finally {
          await context.close();
        }
      }
    } finally {
      await browser.close();
      await stack.stop();
    }
    const floorOf = (timings: SignupTiming[]) =>
      median(
        timings.map(
          (timing) =>
            timing.token.end -
            timing.token.start +
            (timing.getOrCreate.end - timing.getOrCreate.start),
        ),
      );
    const warm = samples.filter((sample) => sample.cache === 'warm');
    const coldTimings = samples.filter((s) => s.cache === 'cold').map((s) => s.timing);
    const summary = summarizeSignupTimings(warm.map((sample) => sample.timing));
    const cold = {
      summary: summarizeSignupTimings(coldTimings),
      networkFloor: floorOf(coldTimings),
    };
    const baselines = {
      homeFirstRender: median(samples.map((sample) => sample.homeFirstRender)),
      networkFloor: floorOf(warm.map((sample) => sample.timing)),
    };
    const range = (x: SignupTimingSummary) =>
      `${x.appShare.median.toFixed(0)} ms (${x.appShare.min.toFixed(0)}–${x.appShare.max.toFixed(0)})`;
    progress(
      `  the app's share (callback first byte → ready), median over ${warm.length} + ${coldTimings.length} signups: warm ${range(summary)}, cold ${range(cold.summary)}; token + GetOrCreate ${baselines.networkFloor.toFixed(0)} ms warm, ${cold.networkFloor.toFixed(0)} ms cold; identity provider ${summary.identityProvider.median.toFixed(0)} ms; home first render ${baselines.homeFirstRender.toFixed(0)} ms`,
    );
    return { samples, summary, cold, baselines };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  }
}
