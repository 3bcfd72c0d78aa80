import { expect, holdCallback, newPerson, test } from '../../support/fixtures';
import { lookAtPage } from '../../support/look-at-page';

test.describe('signing up in the browser (client-side provisioning only)', () => {
  test('1. a new visitor signs up and their account is ready: exactly one row', async ({
    app,
    idp,
    database,
    stack,
  }) => {
    const person = newPerson('signup');
    await app.open();
    await app.signUp();
    await idp.register(person);

    // Focus lands on the result, so a screen reader announces it.
    await expect(app.heading('Your account is ready')).toBeFocused();
    await expect(app.page.getByText(`${person.givenName} ${person.familyName}`)).toBeVisible();
    await expect(app.page.getByText(person.email)).toBeVisible();
    await expect(app.page.getByText('not verified yet')).toBeVisible();
    await expect(app.page.getByRole('link', { name: 'Manage your account' })).toHaveAttribute(
      'href',
      `${stack.issuer.replace(/\/+$/, '')}/ui/console/users/me`,
    );
    // The callback cleaned code and state from the address bar.
    expect(new URL(app.page.url()).search).toBe('');
    await lookAtPage(app.page, 'account-ready');

    const zitadelUser = await idp.userByEmail(person.email);
    expect(zitadelUser?.id).toMatch(/^\d{18}$/);
    const rows = await database.usersByEmail(person.email);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.zitadel_user_id).toBe(zitadelUser?.id);
    // A raw id means nothing to the person: it is not shown.
    await expect(app.page.getByText(rows[0]?.id ?? 'missing')).toHaveCount(0);

    // Reloading keeps a page with a heading: the account page, from GetMe.
    await app.page.reload();
    await expect(app.heading('Your account')).toBeFocused();
    await expect(app.page.getByText(`${person.givenName} ${person.familyName}`)).toBeVisible();
    await expect(app.page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await lookAtPage(app.page, 'account-page');
  });

  test('2. the same person logs out and back in: "welcome back", still one row', async ({
    app,
    idp,
    database,
  }) => {
    const person = newPerson('returning');
    await app.open();
    await app.signUp();
    await idp.register(person);
    await expect(app.heading('Your account is ready')).toBeVisible();

    await app.logOut();
    await expect(app.heading('You are signed out')).toBeFocused();
    await expect(app.page.getByRole('button', { name: 'Sign up' })).toBeVisible();
    expect(new URL(app.page.url()).search).toBe('');
    await lookAtPage(app.page, 'signed-out');
    // The message is for the moment of signing out, not for every later visit.
    await app.page.reload();
    await expect(app.heading('liverty-music')).toBeVisible();

    await app.logIn();
    await idp.logIn(person);
    await expect(
      app.heading(`Welcome back, ${person.givenName} ${person.familyName}`),
    ).toBeVisible();
    expect(await database.usersByEmail(person.email)).toHaveLength(1);
  });

  test('3. a signup whose callback never reached the app is provisioned at the next login', async ({
    app,
    idp,
    database,
    browser,
    serverSide,
    idpPagesFor,
  }) => {
    const person = newPerson('interrupted');
    // The tab closes the moment the provider redirects back: the callback never runs.
    const callback = await holdCallback(app.page, app.url);
    await app.open();
    await app.signUp();
    await idp.register(person);
    expect(await callback.url()).toContain('state=');
    await app.page.close();
    expect(await idp.userByEmail(person.email)).toBeDefined();
    // With the webhook on (E2E_TARGET=zitadel) the row may already exist, unclaimed.
    if (!serverSide) expect(await database.usersByEmail(person.email)).toHaveLength(0);

    // Later, in a fresh browser session, the person logs in.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(app.url);
    await page.getByRole('button', { name: 'Log in' }).click();
    await idpPagesFor(page).logIn(person);
    // The first GetOrCreate for this person claims the account, even on a login.
    await expect(page.getByRole('heading', { name: 'Your account is ready' })).toBeVisible();
    expect(await database.usersByEmail(person.email)).toHaveLength(1);
    await context.close();
  });
});
