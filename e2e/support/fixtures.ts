import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@liverty-music/test-support/free-port';
import { test as base, expect, type Page } from '@playwright/test';
import { ROOT, startStack } from '../../scripts/stack';
import { type AppPage, createAppPage } from '../pages/app-page';
import type { IdentityProviderPages } from '../pages/identity-provider-pages';
import { createLocalIdpPages } from '../pages/local-idp-pages';
import { createZitadelLoginPages } from '../pages/zitadel-login-pages';
import { connectDatabase, createTestDatabase, type TestDatabase } from './test-database';

/**
 * `local` (default): the suite starts the product itself. `zitadel`: it drives the running
 * `docker compose up` stack and ZITADEL's Login V2 (docs/docker.md).
 */
export const TARGET = process.env.E2E_TARGET === 'zitadel' ? 'zitadel' : 'local';

/** What the journeys need of a running product, whichever way it was started. */
export interface E2EStack {
  appUrl: string;
  issuer: string;
  backend: { stop(): Promise<void>; start(): Promise<void> };
}

/** The compose stack: the backend is stopped and started through docker compose. */
function composeStack(): E2EStack {
  const compose = (...args: string[]) => {
    execFileSync('docker', ['compose', ...args], { cwd: ROOT, stdio: 'inherit' });
  };
  return {
    appUrl: process.env.E2E_APP_URL ?? 'http://localhost:5173',
    issuer: process.env.E2E_ISSUER ?? 'http://localhost:8080',
    backend: {
      stop: async () => compose('stop', 'backend'),
      start: async () => compose('up', '--wait', 'backend'),
    },
  };
}

export interface StackFixtureOptions {
  /** Whether the stack runs the webhook and the reconciler. */
  serverSide: boolean;
  /** Whether the identity provider calls the Actions v2 targets (enricher, signup policy). */
  actions: boolean;
}

interface WorkerFixtures extends StackFixtureOptions {
  database: TestDatabase;
  stack: E2EStack;
}

interface TestFixtures {
  app: AppPage;
  idp: IdentityProviderPages;
  /** The provider's pages in another tab or browser context. */
  idpPagesFor: (page: Page) => IdentityProviderPages;
  /** console.error lines a test expects; anything else fails it. */
  allowConsoleErrors: RegExp[];
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  serverSide: [false, { option: true, scope: 'worker' }],
  actions: [false, { option: true, scope: 'worker' }],

  database: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const database =
        TARGET === 'zitadel'
          ? await connectDatabase(
              process.env.E2E_DATABASE_URL ??
                'postgres://liverty:liverty@127.0.0.1:5433/liverty_music',
            )
          : await createTestDatabase();
      await use(database);
      await database.drop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],

  stack: [
    async ({ serverSide, actions, database }, use) => {
      if (TARGET === 'zitadel') {
        await use(composeStack());
        return;
      }
      const dataDir = mkdtempSync(join(tmpdir(), 'liverty-e2e-'));
      const stack = await startStack({
        dataDir,
        idpPort: await freePort(),
        apiPort: await freePort(),
        webPort: await freePort(),
        databaseUrl: database.url,
        web: 'preview',
        webhook: serverSide,
        reconciler: serverSide,
        actions,
        reconcilerIntervalMs: 1000,
        logLevel: 'warn',
      });
      await use(stack);
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 180_000 },
  ],

  allowConsoleErrors: [[], { option: false }],

  page: async ({ page, allowConsoleErrors }, use) => {
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
    await use(page);
    const allowed = [...allowConsoleErrors, ...(expectedErrors.get(page) ?? [])];
    const unexpected = errors.filter((text) => !allowed.some((pattern) => pattern.test(text)));
    expect(unexpected, 'unexpected console errors').toEqual([]);
  },

  app: async ({ page, stack }, use) => {
    await use(createAppPage(page, stack.appUrl));
  },

  idpPagesFor: async ({ stack }, use) => {
    await use((page) =>
      TARGET === 'zitadel'
        ? createZitadelLoginPages(page, stack.issuer, process.env.E2E_ZITADEL_PAT)
        : createLocalIdpPages(page, stack.issuer),
    );
  },

  idp: async ({ page, idpPagesFor }, use) => {
    await use(idpPagesFor(page));
  },
});

export { expect };

// Console errors a helper below expects on a page (the scripts it deliberately blocks).
const expectedErrors = new WeakMap<Page, RegExp[]>();

/**
 * Lets the provider redirect back to /callback but keeps the app's scripts from loading there, as
 * if the tab closed at that moment: the code is never redeemed. (Playwright cannot intercept the
 * redirect itself.) `url` resolves with the callback URL, code and state included; `release`
 * lets the page load normally again.
 */
export async function holdCallback(page: Page, appUrl: string) {
  const origin = new URL(appUrl).origin;
  const isAppScript = (url: URL) => url.origin === origin && url.pathname.startsWith('/assets/');
  let holding = true;
  await page.route(isAppScript, (route) => {
    // Only the callback document's scripts are held: the app elsewhere must run normally.
    const onCallback = new URL(route.request().frame().url()).pathname === '/callback';
    return holding && onCallback ? route.abort() : route.continue();
  });
  expectedErrors.set(page, [/Failed to load resource: net::ERR_FAILED/]);
  return {
    async url(): Promise<string> {
      await page.waitForURL(
        (url) =>
          url.origin === origin && url.pathname === '/callback' && url.searchParams.has('code'),
      );
      return page.url();
    },
    release() {
      holding = false;
    },
  };
}

export { newPerson } from './new-person';
