import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * A real Chromium (Debian's, at /usr/bin/chromium or CHROMIUM_PATH; Playwright's own downloads are
 * not used) with the flags e2e/playwright.config.ts uses, for the tests that need a page that runs
 * its script and lays itself out: accessibility checks and screenshots.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}. Install Debian's (apt-get install chromium) or set CHROMIUM_PATH.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface AxeFinding {
  rule: string;
  impact: string | null | undefined;
  targets: string[];
}

/**
 * Every axe-core rule that applies (WCAG 2.x A/AA and best practices); the violations found. axe is
 * evaluated by Playwright outside the page's own scripts, so the pages' CSP does not stop it.
 */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  await page.evaluate(axe.source);
  const results = await page.evaluate(() =>
    (globalThis as unknown as { axe: typeof axe }).axe.run(),
  );
  return results.violations.map((violation) => ({
    rule: violation.id,
    impact: violation.impact,
    targets: violation.nodes.map((node) => node.target.join(' ')),
  }));
}

/** When IDP_SCREENSHOTS is set to a folder, keeps a full-page screenshot there under `name`. */
export async function maybeScreenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.IDP_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
