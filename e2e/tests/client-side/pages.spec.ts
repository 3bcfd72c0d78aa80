import { expect, newPerson, test } from '../../support/fixtures';
import { lookAtPage } from '../../support/look-at-page';

test.describe('the pages a person may land on', () => {
  test('the signed-out home page', async ({ app }) => {
    await app.open();
    await expect(app.page.getByRole('button', { name: 'Sign up' })).toBeVisible();
    await expect(app.heading('liverty-music')).toBeVisible();
    await lookAtPage(app.page, 'signed-out-home');
  });
});

test.describe('an address the app does not have', () => {
  // The browser logs every 404 document it is handed: that status is the point here.
  test.use({ allowConsoleErrors: [/status of 404/] });

  test('an unknown address is a "Page not found" page with status 404 and the way back', async ({
    app,
  }) => {
    // Tried: a made-up path, a nested one and one that looks like an old route.
    for (const path of ['/no-such-page', '/account/settings/old', '/signup']) {
      const response = await app.page.goto(new URL(path, app.url).toString());
      expect(response?.status(), path).toBe(404);
      await expect(app.heading('Page not found')).toBeFocused();
      await expect(app.page.getByText(path, { exact: true })).toBeVisible();
      await expect(app.page.getByRole('button', { name: 'Sign up' })).toHaveCount(0);
    }
    await lookAtPage(app.page, 'not-found');
    await app.page.getByRole('link', { name: 'Go to the liverty-music start page' }).click();
    await expect(app.page.getByRole('button', { name: 'Sign up' })).toBeVisible();
  });
});

test.describe('the callback before its scripts run', () => {
  // The scripts are refused on purpose below; the browser logs each refusal.
  test.use({ allowConsoleErrors: [/Failed to load resource: net::ERR_FAILED/] });

  test('shows "Finishing sign-in…", styled', async ({ app, idp, stack }) => {
    const origin = new URL(stack.appUrl).origin;
    // Only the scripts of /callback are held back; its stylesheet loads as usual.
    await app.page.route(
      (url) => url.origin === origin && /^\/assets\/.*\.js$/.test(url.pathname),
      (route) =>
        new URL(route.request().frame().url()).pathname === '/callback'
          ? route.abort()
          : route.continue(),
    );
    await app.open();
    await app.signUp();
    await idp.register(newPerson('signing-in'));
    await app.page.waitForURL((url) => url.pathname === '/callback');
    await expect(app.page.getByRole('status')).toHaveText('Finishing sign-in…');
    await lookAtPage(app.page, 'signing-in');
  });
});
