import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';
import type { StackFixtureOptions } from './support/fixtures';

// Debian's Chromium (apt-get install chromium); Playwright's own browser downloads are not used.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  throw new Error(
    `No Chromium at ${executablePath}. Install Debian's (apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary (README, Troubleshooting).`,
  );
}
// Against docker compose, ZITADEL always runs the webhook and reconciler.
const zitadel = process.env.E2E_TARGET === 'zitadel';

export default defineConfig<StackFixtureOptions>({
  testDir: './tests',
  // Each project runs one stack of three processes; two cores fit one project at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  outputDir: 'test-results',
  use: {
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  projects: [
    {
      // Server-side provisioning off: proves the SPA callback alone provisions users.
      name: 'client-side',
      testMatch: /client-side\/.*\.spec\.ts/,
      use: { serverSide: zitadel },
    },
    {
      // The Actions v2 targets on, webhook and reconciler off: the enricher alone provisions
      // before the SPA holds a token. The other projects leave them off, since their journeys
      // stop the backend during signup, which the signup policy then refuses (decision 022).
      name: 'actions',
      testMatch: /tests\/actions\/.*\.spec\.ts/,
      use: { serverSide: zitadel, actions: true },
    },
    {
      // Webhook and reconciler on, as `npm start` runs them.
      name: 'server-side',
      testMatch: /server-side\/.*\.spec\.ts/,
      use: { serverSide: true },
    },
  ],
});
