import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, newPerson, test } from '../../support/fixtures';
import { lookAtPage } from '../../support/look-at-page';

// Decision 033: one session for every tab of the browser, kept across restarts, until the person
// signs out (in any tab) or the identity provider ends it.
test.describe('staying signed in', () => {
  test('a second tab opens signed in, and signing out in one tab signs out the other', async ({
    app,
    idp,
    context,
  }) => {
    const person = newPerson('two-tab-session');
    await app.open();
    await app.signUp();
    await idp.register(person);
    await expect(app.heading('Your account is ready')).toBeVisible();

    const second = await context.newPage();
    await second.goto(app.url);
    await expect(second.getByRole('heading', { name: 'Your account' })).toBeVisible();
    await expect(second.getByText(`${person.givenName} ${person.familyName}`)).toBeVisible();

    await app.logOut();
    await expect(app.heading('You are signed out')).toBeVisible();
    // The other tab follows without being touched, and says why.
    await expect(second.getByRole('heading', { name: 'You are signed out' })).toBeVisible();
    await expect(second.getByText('You signed out in another tab')).toBeVisible();
    await lookAtPage(second, 'signed-out-in-another-tab');
    // And stays signed out when reloaded: nothing is left to sign in with.
    await second.reload();
    await expect(second.getByRole('button', { name: 'Log in' })).toBeVisible();
    expect(
      await second.evaluate(() =>
        Object.keys(localStorage).filter((key) => key.startsWith('oidc.user:')),
      ),
    ).toEqual([]);
  });

  test('an expired access token is renewed with the refresh token, which rotates', async ({
    app,
    idp,
  }) => {
    const person = newPerson('renewal');
    await app.open();
    await app.signUp();
    await idp.register(person);
    await expect(app.heading('Your account is ready')).toBeVisible();
    // Age the stored session past its access token's expiry, as 12 hours would.
    const before = await app.page.evaluate(() => {
      const key = Object.keys(localStorage).find((name) => name.startsWith('oidc.user:')) ?? '';
      const user = JSON.parse(localStorage.getItem(key) ?? '{}');
      user.expires_at = Math.floor(Date.now() / 1000) - 60;
      localStorage.setItem(key, JSON.stringify(user));
      return { key, refreshToken: user.refresh_token as string, accessToken: user.access_token };
    });
    expect(before.refreshToken).toEqual(expect.any(String));
    await app.open();
    await expect(app.heading('Your account')).toBeVisible();
    const after = await app.page.evaluate(
      (key) => JSON.parse(localStorage.getItem(key) ?? '{}'),
      before.key,
    );
    expect(after.access_token).not.toBe(before.accessToken);
    expect(after.refresh_token).not.toBe(before.refreshToken);
    expect(after.expires_at).toBeGreaterThan(Date.now() / 1000);
  });

  test('a browser closed and reopened is still signed in', async ({
    app,
    playwright,
    idpPagesFor,
  }) => {
    const person = newPerson('reopened');
    const launchOptions = test.info().project.use.launchOptions ?? {};
    const profile = mkdtempSync(join(tmpdir(), 'liverty-profile-'));
    try {
      const first = await playwright.chromium.launchPersistentContext(profile, launchOptions);
      const page = first.pages()[0] ?? (await first.newPage());
      await page.goto(app.url);
      await page.getByRole('button', { name: 'Sign up' }).click();
      await idpPagesFor(page).register(person);
      await expect(page.getByRole('heading', { name: 'Your account is ready' })).toBeVisible();
      await first.close();

      const reopened = await playwright.chromium.launchPersistentContext(profile, launchOptions);
      const again = reopened.pages()[0] ?? (await reopened.newPage());
      await again.goto(app.url);
      await expect(again.getByRole('heading', { name: 'Your account' })).toBeVisible();
      await expect(again.getByText(`${person.givenName} ${person.familyName}`)).toBeVisible();
      await reopened.close();
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
