import { describe, expect, it } from 'vitest';
import { backendUnderTest } from './support/backend-under-test';
import type { TestUserinfo } from './support/test-issuer';
import { newUserId } from './support/zitadel-events';

type Profile = Omit<TestUserinfo, 'sub'> & { preferred_username?: string };

// How the issuer's userinfo becomes the app user's profile (auth/authenticate.ts), held because a
// mutation run (docs/mutation-testing.md) found the display-name fallbacks unheld: the name the
// issuer gives, else given and family name, else the login name, else the email, else nothing.
describe('the profile a new user gets from userinfo', () => {
  const backend = backendUnderTest();

  async function created(profile: Profile) {
    const sub = newUserId();
    const token = await backend.issuer.issue({ sub, ...profile } as TestUserinfo);
    const response = await backend.server
      .client()
      .getOrCreate({}, { headers: { authorization: `Bearer ${token}` } });
    expect(response.created).toBe(true);
    return response.user;
  }

  it.each<[string, Profile, string]>([
    [
      'the issuer’s name',
      { name: 'M. Mouse', given_name: 'Minnie', family_name: 'Mouse' },
      'M. Mouse',
    ],
    ['given and family name', { given_name: 'Ada', family_name: 'Lovelace' }, 'Ada Lovelace'],
    ['a family name alone, unpadded', { family_name: 'Lovelace' }, 'Lovelace'],
    ['the login name', { preferred_username: 'ada', email: 'ada@example.com' }, 'ada'],
    ['the email', { email: 'ada@example.com' }, 'ada@example.com'],
    ['nothing', {}, ''],
  ])('takes its display name from %s', async (_, profile, displayName) => {
    expect((await created(profile))?.displayName).toBe(displayName);
  });

  it('keeps given and family name apart, empty when absent', async () => {
    expect(await created({ given_name: 'Ada', family_name: 'Lovelace' })).toMatchObject({
      givenName: 'Ada',
      familyName: 'Lovelace',
    });
    expect(await created({ name: 'Ada' })).toMatchObject({ givenName: '', familyName: '' });
  });

  it('takes the email and its verification from userinfo, unverified when it does not say', async () => {
    expect(await created({ email: 'a@example.com', email_verified: true })).toMatchObject({
      email: 'a@example.com',
      emailVerified: true,
    });
    expect(await created({ email: 'b@example.com' })).toMatchObject({
      email: 'b@example.com',
      emailVerified: false,
    });
  });
});
