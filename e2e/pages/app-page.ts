import type { Page } from '@playwright/test';

/** The liverty-music SPA, as a person sees it. Actions only; tests assert. */
export function createAppPage(page: Page, url: string) {
  return {
    page,
    url,
    async open() {
      await page.goto(url);
    },
    async signUp() {
      await page.getByRole('button', { name: 'Sign up' }).click();
    },
    async logIn() {
      await page.getByRole('button', { name: 'Log in' }).click();
    },
    async logOut() {
      await page.getByRole('button', { name: 'Sign out' }).click();
    },
    async retry() {
      await page.getByRole('button', { name: 'Retry' }).click();
    },
    heading: (name: string | RegExp) => page.getByRole('heading', { name }),
    alert: () => page.getByRole('alert'),
    /** Milliseconds from the /callback page's navigation start to "account ready". */
    callbackToReadyMs: (): Promise<number> =>
      page.evaluate(() => {
        const mark = performance.getEntriesByName('account-ready')[0];
        if (!mark) throw new Error('no account-ready mark on this page');
        return mark.startTime;
      }),
  };
}

export type AppPage = ReturnType<typeof createAppPage>;
