import type { Person } from '../pages/identity-provider-pages';

let counter = 0;
/** A unique person for one journey. */
export function newPerson(label: string): Person {
  counter += 1;
  const id = `${Date.now().toString(36)}${counter}`;
  return {
    email: `${label}-${id}@example.com`,
    givenName: 'Minnie',
    familyName: `Mouse ${id}`,
    // Meets ZITADEL's default complexity policy (upper, lower, number, symbol, 8 or more), which
    // the local provider enforces too; pages/password-policy.test.ts checks it against the policy.
    password: `Correct-horse-${counter}`,
  };
}
