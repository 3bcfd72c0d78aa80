import type { Locator, Page } from '@playwright/test';
import type { IdentityProviderPages } from './identity-provider-pages';
import { loginV2Path, loginV2Text as t } from './login-v2-facts';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * ZITADEL's Login V2 pages (the `login` container of docker-compose.yml), used when
 * E2E_TARGET=zitadel. Every text and route comes from the pinned Login V2's own strings
 * (login-v2-facts.ts); `npm test` walks these methods through a model of those pages
 * (zitadel-login-pages.test.ts). Only a Docker host runs them against the real thing (docs/docker.md).
 * `pat`: a PAT with user read access (the setup's admin PAT), to look users up by email.
 */
export function createZitadelLoginPages(
  page: Page,
  issuer: string,
  pat: string | undefined,
): IdentityProviderPages {
  /** An input by its label; required inputs append " *" to it (input.tsx). */
  function textbox(key: string): Locator {
    return page.getByLabel(new RegExp(`^${escapeRegExp(t(key))}(?: \\*)?(?:\\s|$)`));
  }

  function button(key: string): Locator {
    return page.getByRole('button', { name: t(key), exact: true });
  }

  function onRoute(route: string): boolean {
    return new URL(page.url()).pathname === loginV2Path(route);
  }

  async function waitForRoute(...routes: string[]) {
    const paths = routes.map(loginV2Path);
    await page.waitForURL((url) => paths.includes(url.pathname), { waitUntil: 'commit' });
  }

  /**
   * Some Login V2 builds send a user without a second factor to a skippable /mfa/set after the
   * password: skip it when it shows, then let the redirect back to the app happen.
   */
  async function skipMfaSetupAndLeave() {
    const mfaSetup = loginV2Path('/mfa/set');
    const loginUi = loginV2Path('/');
    await page.waitForURL((url) => !url.pathname.startsWith(loginUi) || url.pathname === mfaSetup, {
      waitUntil: 'commit',
    });
    if (onRoute('/mfa/set')) await button('mfa.set.skip').click();
  }

  return {
    page,
    async register(person) {
      // prompt=create: ZITADEL hands the request to Login V2's /register.
      await waitForRoute('/register');
      await textbox('register.labels.firstname').fill(person.givenName);
      await textbox('register.labels.lastname').fill(person.familyName);
      await textbox('register.labels.email').fill(person.email);
      // zitadel-setup sets both legal links, so both checkboxes show and both must be ticked. They
      // have no accessible name in Login V2 (privacy-policy-checkboxes.tsx), only a test id.
      for (const testId of ['tos-checkbox', 'privacy-policy-checkbox']) {
        const checkbox = page.getByTestId(testId);
        if (await checkbox.count()) await checkbox.check();
      }
      // With passwords and passkeys both allowed (the default login policy) a method chooser shows,
      // Passkey preselected: Continue would lead to /passkey/set.
      const passwordMethod = page.getByRole('radio', {
        name: t('register.methods.password'),
        exact: true,
      });
      if (await passwordMethod.count()) await passwordMethod.click();
      await button('register.submit').click();

      await waitForRoute('/register/password');
      await textbox('register.password.labels.password').fill(person.password);
      await textbox('register.password.labels.confirmPassword').fill(person.password);
      await button('register.password.submit').click();
      await skipMfaSetupAndLeave();
    },
    async logIn(person) {
      // With a ZITADEL session in the browser Login V2 first offers its accounts.
      await waitForRoute('/loginname', '/accounts');
      if (onRoute('/accounts')) {
        await page.getByRole('link', { name: t('accounts.addAnother') }).click();
        await waitForRoute('/loginname');
      }
      await textbox('loginname.labels.loginname').fill(person.email);
      await button('loginname.submit').click();
      await waitForRoute('/password');
      await textbox('password.verify.labels.password').fill(person.password);
      await button('password.verify.submit').click();
      await skipMfaSetupAndLeave();
    },
    async cancel() {
      throw new Error('ZITADEL Login V2 has no cancel button');
    },
    /**
     * Login V2 (v4.16) shows its own text when AddHumanUser fails, which a refusing or failing
     * signup policy target makes it do; never the target's message (docs/decisions/034).
     */
    registrationError: () => page.getByText(t('register.errors.couldNotCreateUser')),
    async userByEmail(email) {
      if (!pat) throw new Error('E2E_ZITADEL_PAT is needed to look users up in ZITADEL');
      // zitadel.user.v2.UserService/ListUsers over its REST mapping.
      const response = await fetch(`${issuer}/v2/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/json' },
        body: JSON.stringify({ queries: [{ emailQuery: { emailAddress: email } }] }),
      });
      const body = (await response.json()) as { result?: { userId: string }[] };
      const user = body.result?.[0];
      return user ? { id: user.userId, email } : undefined;
    },
  };
}
