import type { Page } from '@playwright/test';

/** The liverty-music SPA, as a person sees it. Actions only; tests assert. */
export class AppPage {
  constructor(
    readonly page: Page,
    readonly url: string,
  ) {}

  async open() {
    await this.page.goto(this.url);
  }

  async signUp() {
    await this.page.getByRole('button', { name: 'Sign up' }).click();
  }

  async logIn() {
    await this.page.getByRole('button', { name: 'Log in' }).click();
  }

  async logOut() {
    await this.page.getByRole('button', { name: 'Sign out' }).click();
  }

  async retry() {
    await this.page.getByRole('button', { name: 'Retry' }).click();
  }

  heading(name: string | RegExp) {
    return this.page.getByRole('heading', { name });
  }

  alert() {
    return this.page.getByRole('alert');
  }

  /** Milliseconds from the /callback page's navigation start to "account ready". */
  async callbackToReadyMs(): Promise<number> {
    return this.page.evaluate(() => {
      const mark = performance.getEntriesByName('account-ready')[0];
      if (!mark) throw new Error('no account-ready mark on this page');
      return mark.startTime;
    });
  }
}
