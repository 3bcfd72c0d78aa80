import type { Page } from '@playwright/test';
import { LABELS } from '../../local-idp/src/login-pages';
import type { IdentityProviderPages, Person } from './identity-provider-pages';

/**
 * The local identity provider's registration and login pages, with the labels the provider itself
 * renders (its LABELS). Registration takes Login V2's steps (zitadel-login-pages.ts), so the
 * journeys go through the same motions against either provider.
 */
export function createLocalIdpPages(page: Page, issuer: string): IdentityProviderPages {
  return {
    page,
    async register(person: Person) {
      await page.getByLabel(LABELS.email, { exact: true }).fill(person.email);
      await page.getByLabel(LABELS.givenName, { exact: true }).fill(person.givenName);
      await page.getByLabel(LABELS.familyName, { exact: true }).fill(person.familyName);
      await page.getByRole('checkbox', { name: LABELS.termsOfService, exact: true }).check();
      await page.getByRole('checkbox', { name: LABELS.privacyPolicy, exact: true }).check();
      // Login V2 preselects Passkey; the local provider preselects Password (decision 034). The same
      // step on both: choose Password.
      await page.getByRole('radio', { name: LABELS.passwordMethod, exact: true }).check();
      await page.getByRole('button', { name: LABELS.continue, exact: true }).click();

      await page.getByLabel(LABELS.password, { exact: true }).fill(person.password);
      await page.getByLabel(LABELS.confirmPassword, { exact: true }).fill(person.password);
      await page.getByRole('button', { name: LABELS.createAccount, exact: true }).click();
    },

    async logIn(person: Pick<Person, 'email' | 'password'>) {
      await page.getByLabel(LABELS.email, { exact: true }).fill(person.email);
      await page.getByLabel(LABELS.password, { exact: true }).fill(person.password);
      await page.getByRole('button', { name: LABELS.logIn, exact: true }).click();
    },

    async cancel() {
      await page.getByRole('button', { name: LABELS.cancel, exact: true }).click();
    },

    /** The page's error summary: "Could not create user" when the signup policy stopped it. */
    registrationError() {
      return page.getByRole('alert');
    },

    /** The provider's own record (dev-only admin API), to learn the ZITADEL-style user id. */
    async userByEmail(email: string): Promise<{ id: string; email: string } | undefined> {
      const response = await fetch(`${issuer}/__dev/users`);
      const body = (await response.json()) as
        | { users?: { id: string; email: string }[] }
        | { id: string; email: string }[];
      const users = Array.isArray(body) ? body : (body.users ?? []);
      return users.find((user) => user.email.toLowerCase() === email.toLowerCase());
    },
  };
}
