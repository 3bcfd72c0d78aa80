import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startStack } from '../../scripts/stack';
import type { BenchConfig } from './bench-config';
import { createBenchDatabase } from './create-bench-database';
import { freePort } from './free-port';
import { progress } from './progress-log';

export interface SignupSample {
  /** /callback navigation start → performance.mark('account-ready'), in ms. */
  callbackToReady: number;
  /**
   * Where that span goes, from the callback page's resource timing (ms from navigation start):
   * the last of the app's own files loaded, the first request to the identity provider, and the
   * durations of the code-for-token exchange and of the GetOrCreate call.
   */
  appFilesLoaded: number;
  firstIssuerRequest: number;
  tokenExchange: number;
  getOrCreate: number;
  /** Main-thread long tasks (> 50 ms) on the callback page before "ready": busy, not waiting. */
  longTasks: number;
  /** The home page's first contentful paint on the same visit, in ms from its navigation start. */
  homeFirstRender: number;
}

export interface SignupResults {
  samples: SignupSample[];
  median: SignupSample;
  /** Median callback → ready over median home-page first render. */
  ratio: number;
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

// Plain text, not a function: tsx would wrap a function's inner helpers in a `__name` call that
// does not exist in the page.
const LONG_TASK_RECORDER = `
  window.__benchLongTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__benchLongTasks.push([entry.startTime, entry.duration]);
  }).observe({ type: 'longtask', buffered: true });
`;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2
    ? (sorted[Math.floor(middle)] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/**
 * Item 1, fourth figure: real signups in Chromium against the production build (vite preview),
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
      for (let i = 0; i <= config.signups; i++) {
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
          const id = `${Date.now().toString(36)}${i}`;
          await page.getByLabel('Email').fill(`bench-${id}@example.com`);
          await page.getByLabel('Given name').fill('Bench');
          await page.getByLabel('Family name').fill(`Signup ${id}`);
          await page.getByLabel('Password').fill(`bench-pass-${i}7`);
          await page.getByRole('button', { name: 'Create account' }).click();
          await page
            .getByRole('heading', { name: 'Your account is ready' })
            .waitFor({ timeout: 30_000 });
          // No named helper functions in here: tsx would wrap them in a `__name` call that does
          // not exist in the page.
          const timing = await page.evaluate(
            ([appOrigin, issuerOrigin]) => {
              const resources = performance.getEntriesByType('resource');
              let firstIssuerRequest = Number.POSITIVE_INFINITY;
              let tokenExchange = 0;
              let getOrCreate = 0;
              for (const entry of resources) {
                if (entry.name.startsWith(`${issuerOrigin}/`)) {
                  firstIssuerRequest = Math.min(firstIssuerRequest, entry.startTime);
                }
                if (/\/token(\?|$)/.test(entry.name)) tokenExchange += entry.duration;
                if (/UserService\/GetOrCreate/.test(entry.name)) getOrCreate += entry.duration;
              }
              // The app's files needed before sign-in can complete (later lazy chunks excluded).
              let appFilesLoaded = 0;
              for (const entry of resources) {
                if (
                  entry.name.startsWith(`${appOrigin}/`) &&
                  entry.startTime < firstIssuerRequest
                ) {
                  appFilesLoaded = Math.max(appFilesLoaded, entry.startTime + entry.duration);
                }
              }
              const ready = performance.getEntriesByName('account-ready')[0]?.startTime;
              let longTasks = 0;
              const recorded = (window as unknown as { __benchLongTasks?: [number, number][] })
                .__benchLongTasks;
              for (const [start, duration] of recorded ?? []) {
                if (ready === undefined || start < ready) longTasks += duration;
              }
              return {
                ready: ready ?? Number.NaN,
                longTasks,
                appFilesLoaded,
                firstIssuerRequest,
                tokenExchange,
                getOrCreate,
              };
            },
            [new URL(stack.appUrl).origin, new URL(stack.issuer).origin],
          );
          if (i === 0) continue;
          samples.push({
            callbackToReady: timing.ready,
            appFilesLoaded: timing.appFilesLoaded,
            firstIssuerRequest: timing.firstIssuerRequest,
            tokenExchange: timing.tokenExchange,
            getOrCreate: timing.getOrCreate,
            longTasks: timing.longTasks,
            homeFirstRender,
          });
        } finally {
          await context.close();
        }
      }
    } finally {
      await browser.close();
      await stack.stop();
    }
    const result: SignupSample = {
      callbackToReady: median(samples.map((sample) => sample.callbackToReady)),
      appFilesLoaded: median(samples.map((sample) => sample.appFilesLoaded)),
      firstIssuerRequest: median(samples.map((sample) => sample.firstIssuerRequest)),
      tokenExchange: median(samples.map((sample) => sample.tokenExchange)),
      getOrCreate: median(samples.map((sample) => sample.getOrCreate)),
      longTasks: median(samples.map((sample) => sample.longTasks)),
      homeFirstRender: median(samples.map((sample) => sample.homeFirstRender)),
    };
    const ratio = result.callbackToReady / result.homeFirstRender;
    progress(
      `  median over ${samples.length} signups: callback → ready ${result.callbackToReady.toFixed(0)} ms (app files by ${result.appFilesLoaded.toFixed(0)} ms, first issuer request at ${result.firstIssuerRequest.toFixed(0)} ms, token ${result.tokenExchange.toFixed(0)} ms, GetOrCreate ${result.getOrCreate.toFixed(0)} ms); home first render ${result.homeFirstRender.toFixed(0)} ms → ${ratio.toFixed(2)}×`,
    );
    return { samples, median: result, ratio };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  }
}
