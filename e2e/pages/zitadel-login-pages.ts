import type { Page } from '@playwright/test';
import type { IdentityProviderPages, Person } from './local-idp-pages';

/**
 * ZITADEL's Login V2 pages (the `login` container of docker-compose.yml), used when
 * E2E_TARGET=zitadel. The labels follow Login V2's English texts; they can only be exercised on a
 * machine with Docker (see docs/docker.md), so the selectors are deliberately tolerant.
 */
export class ZitadelLoginPages implements IdentityProviderPages {
  constructor(
    readonly page: Page,
    readonly issuer: string,
    /** A PAT with user read access (the setup's admin PAT), to look users up by email. */
    private readonly pat: string | undefined,
  ) {}

  async register(person: Person) {
    // prompt=create lands on /ui/v2/login/register: names and email, terms, then the password.
    await this.page.getByLabel(/first ?name/i).fill(person.givenName);
    await this.page.getByLabel(/last ?name/i).fill(person.familyName);
    await this.page.getByLabel(/e-?mail/i).fill(person.email);
    const terms = this.page.getByRole('checkbox');
    if (await terms.count()) await terms.first().check();
    await this.page.getByRole('button', { name: 'Continue' }).click();
    await this.page
      .getByLabel(/^password/i)
      .first()
      .fill(person.password);
    await this.page.getByLabel(/confirm/i).fill(person.password);
    await this.page.getByRole('button', { name: 'Continue' }).click();
  }

  async logIn(person: Pick<Person, 'email' | 'password'>) {
    await this.page.getByRole('textbox').first().fill(person.email);
    await this.page.getByRole('button', { name: 'Continue' }).click();
    await this.page.getByLabel(/password/i).fill(person.password);
    await this.page.getByRole('button', { name: 'Continue' }).click();
  }

  async cancel() {
    throw new Error('ZITADEL Login V2 has no cancel button');
  }

  /** Login V2 shows its own text for any refused AddHumanUser, never the target's message. */
  registrationError() {
    return this.page.getByText(/could not register user/i);
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
}
