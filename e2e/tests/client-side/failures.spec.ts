import { expect, holdCallback, newPerson, TARGET, test } from '../../support/fixtures';
import { lookAtPage } from '../../support/look-at-page';

test.describe('when things go wrong during signup', () => {
  test.use({
    // The browser logs each refused request while the backend is down; that is expected here.
    allowConsoleErrors: [/Failed to load resource|ERR_CONNECTION_REFUSED|Failed to fetch/],
  });

  test('4. the backend is down during a signup: the truth, Retry, Back to start, Sign out; Retry provisions', async ({
    app,
    idp,
    database,
    stack,
  }) => {
    const person = newPerson('backend-down');
    await stack.backend.stop();
    try {
      await app.open();
      await app.signUp();
      await idp.register(person);
      await expect(app.heading('We could not reach liverty-music')).toBeFocused();
      await expect(app.alert()).toContainText('Your sign-up with the identity provider worked');
      for (const name of ['Retry', 'Back to start', 'Sign out']) {
        await expect(app.page.getByRole('button', { name })).toBeVisible();
      }
      await lookAtPage(app.page, 'backend-down-signup');
      expect(await database.usersByEmail(person.email)).toHaveLength(0);
    } finally {
      await stack.backend.start();
    }
    await app.retry();
    await expect(app.heading('Your account is ready')).toBeVisible();
    expect(await database.usersByEmail(person.email)).toHaveLength(1);
  });

  test('4b. the backend is down when a returning person logs in: their account is safe, then Retry', async ({
    app,
    idp,
    database,
    stack,
  }) => {
    const person = newPerson('returning-down');
    await app.open();
    await app.signUp();
    await idp.register(person);
    await expect(app.heading('Your account is ready')).toBeVisible();
    await app.logOut();
    await expect(app.heading('You are signed out')).toBeVisible();

    await stack.backend.stop();
    try {
      await app.logIn();
      await idp.logIn(person);
      await expect(app.heading('We could not reach liverty-music')).toBeFocused();
      // Not "we could not set up your account": it exists, nothing happened to it.
      await expect(app.alert()).toContainText('Your account is safe');
      await expect(app.alert()).not.toContainText('set up');
      await lookAtPage(app.page, 'backend-down-login');
      // Back to start keeps the person signed in; the account page says the same and offers Retry.
      await app.page.getByRole('button', { name: 'Back to start' }).click();
      await expect(app.heading('We could not reach liverty-music')).toBeVisible();
      await expect(app.page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    } finally {
      await stack.backend.start();
    }
    await app.retry();
    await expect(app.heading('Your account')).toBeVisible();
    await expect(app.page.getByText(`${person.givenName} ${person.familyName}`)).toBeVisible();
    expect(await database.usersByEmail(person.email)).toHaveLength(1);
  });

  test('5a. the person cancels at the provider: a calm notice with Sign up and Log in, no row', async ({
    app,
    idp,
    database,
    stack,
  }) => {
    test.skip(TARGET === 'zitadel', 'ZITADEL Login V2 offers no way to cancel back to the app');
    const before = await database.userCount();
    await app.open();
    await app.signUp();
    await idp.cancel();
    await expect(app.heading('You are not signed in')).toBeFocused();
    await expect(app.page.getByText('no account was created')).toBeVisible();
    // Nothing went wrong, so nothing is announced as an error.
    await expect(app.alert()).toHaveCount(0);
    await lookAtPage(app.page, 'cancelled');
    await expect(app.page.getByRole('button', { name: 'Sign up' })).toBeVisible();
    await app.logIn();
    await expect(idp.page).toHaveURL((url) => url.origin === new URL(stack.issuer).origin);
    expect(await database.userCount()).toBe(before);
  });

  test('5b. the callback state is tampered with: a clear message, no row', async ({
    app,
    idp,
    database,
  }) => {
    const person = newPerson('tampered');
    const before = await database.userCount();
    // Rewrite the state on the way back from the provider.
    const callback = await holdCallback(app.page, app.url);
    await app.open();
    await app.signUp();
    await idp.register(person);
    const tampered = new URL(await callback.url());
    tampered.searchParams.set('state', 'forged-state-value');
    callback.release();
    await app.page.goto(tampered.toString());
    await expect(app.heading('Sign-in failed')).toBeVisible();
    await expect(app.alert()).toContainText('invalid or has expired');
    await lookAtPage(app.page, 'sign-in-failed');
    expect(await database.userCount()).toBe(before);
  });

  test('6. two tabs finish signup callbacks for one person at once: one row', async ({
    app,
    idp,
    database,
    context,
  }) => {
    const person = newPerson('two-tabs');
    const first = app.page;
    const firstCallback = await holdCallback(first, app.url);
    await app.open();
    await app.signUp();
    await idp.register(person);
    const firstUrl = await firstCallback.url();

    // The second tab signs in with the provider session the first one created.
    const second = await context.newPage();
    const secondCallback = await holdCallback(second, app.url);
    await second.goto(app.url);
    await second.getByRole('button', { name: 'Log in' }).click();
    const secondUrl = await secondCallback.url();
    expect(secondUrl).not.toBe(firstUrl);

    // Both callbacks run at once.
    firstCallback.release();
    secondCallback.release();
    await Promise.all([first.goto(firstUrl), second.goto(secondUrl)]);
    const headings = [first, second].map((page) =>
      page.getByRole('heading', { name: /Your account is ready|Welcome back/ }),
    );
    await Promise.all(headings.map((heading) => expect(heading).toBeVisible()));
    const texts = await Promise.all(headings.map((heading) => heading.textContent()));
    expect(texts.filter((text) => text === 'Your account is ready')).toHaveLength(1);
    expect(await database.usersByEmail(person.email)).toHaveLength(1);
  });
});
