import type { Locator, Page } from '@playwright/test';

export interface Person {
  email: string;
  givenName: string;
  familyName: string;
  password: string;
}

/** What the journeys do at an identity provider, whichever one runs. */
export interface IdentityProviderPages {
  register(person: Person): Promise<void>;
  logIn(person: Pick<Person, 'email' | 'password'>): Promise<void>;
  cancel(): Promise<void>;
  userByEmail(email: string): Promise<{ id: string; email: string } | undefined>;
  /** Where a refused registration says why. */
  registrationError(): Locator;
}

/**
 * The local identity provider's registration and login pages. ZITADEL's Login V2 pages get their
 * own page object (docs/docker.md) so the journeys stay the same against either.
 */
export class LocalIdpPages implements IdentityProviderPages {
  constructor(
    readonly page: Page,
    readonly issuer: string,
  ) {}

  async register(person: Person) {
    await this.page.getByLabel('Email').fill(person.email);
    await this.page.getByLabel('Given name').fill(person.givenName);
    await this.page.getByLabel('Family name').fill(person.familyName);
    await this.page.getByLabel('Password').fill(person.password);
    await this.page.getByRole('button', { name: 'Create account' }).click();
  }

  async logIn(person: Pick<Person, 'email' | 'password'>) {
    await this.page.getByLabel('Email').fill(person.email);
    await this.page.getByLabel('Password').fill(person.password);
    await this.page.getByRole('button', { name: 'Log in' }).click();
  }

  async cancel() {
    await this.page.getByRole('button', { name: 'Cancel' }).click();
  }

  registrationError() {
    return this.page.getByRole('alert');
  }

  /** The provider's own record (dev-only admin API), to learn the ZITADEL-style user id. */
  async userByEmail(email: string): Promise<{ id: string; email: string } | undefined> {
    const response = await fetch(`${this.issuer}/__dev/users`);
    const body = (await response.json()) as
      | { users?: { id: string; email: string }[] }
      | { id: string; email: string }[];
    const users = Array.isArray(body) ? body : (body.users ?? []);
    return users.find((user) => user.email.toLowerCase() === email.toLowerCase());
  }
}
