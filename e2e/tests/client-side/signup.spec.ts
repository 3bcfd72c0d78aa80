import { expect, holdCallback, newPerson, test } from '../../support/fixtures';

test.describe('signing up in the browser (client-side provisioning only)', () => {
  test('1. a new visitor signs up and their account is ready: exactly one row', async ({
    app,
    idp,
    database,
  }) => {
    const person = newPerson('signup');
    await app.open();
    await app.signUp();
    await idp.register(person);

    await expect(app.heading('Your account is ready')).toBeVisible();
    await expect(app.page.getByText(`${person.givenName} ${person.familyName}`)).toBeVisible();
    // The callback cleaned code and state from the address bar.
    expect(new URL(app.page.url()).search).toBe('');

    const zitadelUser = await idp.userByEmail(person.email);
    expect(zitadelUser?.id).toMatch(/^\d{18}$/);
    const rows = await database.usersByEmail(person.email);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.zitadel_user_id).toBe(zitadelUser?.id);
    await expect(app.page.getByText(rows[0]?.id ?? 'missing')).toBeVisible();

    // Coming back later in the same tab: still signed in, same app user (GetMe).
    await app.open();
    await expect(app.page.getByText(rows[0]?.id ?? 'missing')).toBeVisible();
    await expect(app.page.getByRole('button', { name: 'Log out' })).toBeVisible();
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
    await expect(app.page.getByRole('button', { name: 'Sign up' })).toBeVisible();

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
