import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import axe from 'axe-core';

/** Where the journeys leave a picture of every screen, for people to look at (not compared). */
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', 'test-results', 'screens');

/**
 * What every app screen must pass: axe-core's WCAG 2.x A/AA rules with no violation. Also leaves
 * a full-page screenshot named for the screen in SCREENSHOT_DIR.
 */
export async function lookAtPage(page: Page, screen: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${screen}.png`), fullPage: true });
  // axe-core injected by Playwright, outside the page's own scripts (so the CSP does not stop it);
  // @axe-core/playwright would do the same but requires Node 22.12, and CI runs Node 20.
  await page.evaluate(axe.source);
  const results = await page.evaluate(
    (tags) =>
      (globalThis as unknown as { axe: typeof axe }).axe.run(document, {
        runOnly: { type: 'tag', values: tags },
      }),
    ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
  );
  const violations = results.violations.map(
    (violation) =>
      `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
  );
  expect(violations, `axe on "${screen}"`).toEqual([]);
}
