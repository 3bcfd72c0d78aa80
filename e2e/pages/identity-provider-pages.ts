import type { Locator, Page } from '@playwright/test';

export interface Person {
  email: string;
  givenName: string;
  familyName: string;
  password: string;
}

/** What the journeys do at an identity provider, whichever one runs. Actions only; tests assert. */
export interface IdentityProviderPages {
  readonly page: Page;
  /** From the provider's registration page back to the app. */
  register(person: Person): Promise<void>;
  /** From the provider's login page back to the app. */
  logIn(person: Pick<Person, 'email' | 'password'>): Promise<void>;
  cancel(): Promise<void>;
  userByEmail(email: string): Promise<{ id: string; email: string } | undefined>;
  /** Where a refused registration says why. */
  registrationError(): Locator;
}
