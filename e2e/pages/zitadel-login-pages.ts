import type { Locator, Page } from '@playwright/test';
import type { IdentityProviderPages, Person } from './identity-provider-pages';
import { loginV2Path, loginV2Text as t } from './login-v2-facts';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * ZITADEL's Login V2 pages (the `login` container of docker-compose.yml), used when
 * E2E_TARGET=zitadel. Every text and route comes from the pinned Login V2's own strings
 * (login-v2-facts.ts); `npm test` walks these methods through a model of those pages
 * (page-objects.test.ts). Only a Docker host runs them against the real thing (docs/docker.md).
 */
export class ZitadelLoginPages implements IdentityProviderPages {
  constructor(
    readonly page: Page,
    readonly issuer: string,
    /** A PAT with user read access (the setup's admin PAT), to look users up by email. */
    private readonly pat: string | undefined,
  ) {}

  async register(person: Person) {
    // prompt=create: ZITADEL hands the request to Login V2's /register.
    await this.waitForRoute('/register');
    await this.textbox('register.labels.firstname').fill(person.givenName);
    await this.textbox('register.labels.lastname').fill(person.familyName);
    await this.textbox('register.labels.email').fill(person.email);
    // zitadel-setup sets both legal links, so both checkboxes show and both must be ticked. They
    // have no accessible name in Login V2 (privacy-policy-checkboxes.tsx), only a test id.
    for (const testId of ['tos-checkbox', 'privacy-policy-checkbox']) {
      const checkbox = this.page.getByTestId(testId);
      if (await checkbox.count()) await checkbox.check();
    }
    // With passwords and passkeys both allowed (the default login policy) a method chooser shows,
    // Passkey preselected: Continue would lead to /passkey/set.
    const passwordMethod = this.page.getByRole('radio', {
      name: t('register.methods.password'),
      exact: true,
    });
    if (await passwordMethod.count()) await passwordMethod.click();
    await this.button('register.submit').click();

    await this.waitForRoute('/register/password');
    await this.textbox('register.password.labels.password').fill(person.password);
    await this.textbox('register.password.labels.confirmPassword').fill(person.password);
    await this.button('register.password.submit').click();
    await this.skipMfaSetupAndLeave();
  }

  async logIn(person: Pick<Person, 'email' | 'password'>) {
    // With a ZITADEL session in the browser Login V2 first offers its accounts.
    await this.waitForRoute('/loginname', '/accounts');
    if (this.onRoute('/accounts')) {
      await this.page.getByRole('link', { name: t('accounts.addAnother') }).click();
      await this.waitForRoute('/loginname');
    }
    await this.textbox('loginname.labels.loginname').fill(person.email);
    await this.button('loginname.submit').click();
    await this.waitForRoute('/password');
    await this.textbox('password.verify.labels.password').fill(person.password);
    await this.button('password.verify.submit').click();
    await this.skipMfaSetupAndLeave();
  }

  async cancel() {
    throw new Error('ZITADEL Login V2 has no cancel button');
  }

  /**
   * Login V2 (v4.16) shows its own text when AddHumanUser fails, which a refusing or failing
   * signup policy target makes it do; never the target's message (docs/decisions/034).
   */
  registrationError() {
    return this.page.getByText(t('register.errors.couldNotCreateUser'));
  }

  async userByEmail(email: string) {
    if (!this.pat) throw new Error('E2E_ZITADEL_PAT is needed to look users up in ZITADEL');
    // zitadel.user.v2.UserService/ListUsers over its REST mapping.
    const response = await fetch(`${this.issuer}/v2/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.pat}`, 'content-type': 'application/json' },
      body: JSON.stringify({ queries: [{ emailQuery: { emailAddress: email } }] }),
    });
    const body = (await response.json()) as { result?: { userId: string }[] };
    const user = body.result?.[0];
    return user ? { id: user.userId, email } : undefined;
  }

  /**
   * Some Login V2 builds send a user without a second factor to a skippable /mfa/set after the
   * password: skip it when it shows, then let the redirect back to the app happen.
   */
  private async skipMfaSetupAndLeave() {
    const mfaSetup = loginV2Path('/mfa/set');
    const loginUi = loginV2Path('/');
    await this.page.waitForURL(
      (url) => !url.pathname.startsWith(loginUi) || url.pathname === mfaSetup,
      { waitUntil: 'commit' },
    );
    if (this.onRoute('/mfa/set')) await this.button('mfa.set.skip').click();
  }

  /** An input by its label; required inputs append " *" to it (input.tsx). */
  private textbox(key: string): Locator {
    return this.page.getByLabel(new RegExp(`^${escapeRegExp(t(key))}(?: \\*)?(?:\\s|$)`));
  }

  private button(key: string): Locator {
    return this.page.getByRole('button', { name: t(key), exact: true });
  }

  private onRoute(route: string): boolean {
    return new URL(this.page.url()).pathname === loginV2Path(route);
  }

  private async waitForRoute(...routes: string[]) {
    const paths = routes.map(loginV2Path);
    await this.page.waitForURL((url) => paths.includes(url.pathname), { waitUntil: 'commit' });
  }
}
