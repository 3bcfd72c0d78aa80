import { expect, holdCallback, newPerson, test } from '../../support/fixtures';

test.describe('server-side provisioning (webhook and reconciler on, as npm start runs them)', () => {
  test.use({
    allowConsoleErrors: [
      /Failed to load resource|ERR_CONNECTION_REFUSED|ERR_FAILED|Failed to fetch/,
    ],
  });

  test('the webhook provisions a signup even when the SPA callback never runs', async ({
    app,
    idp,
    database,
  }) => {
    const person = newPerson('webhook');
    const callback = await holdCallback(app.page, app.url);
    await app.open();
    await app.signUp();
    await idp.register(person);
    await callback.url();

    const zitadelUser = await idp.userByEmail(person.email);
    expect(zitadelUser).toBeDefined();
    await expect
      .poll(() => database.usersByEmail(person.email).then((rows) => rows.length))
      .toBe(1);
    const events = await database.eventsFor(zitadelUser?.id ?? '');
    expect(events[0]).toMatchObject({ event_type: 'user.human.added', source: 'webhook' });
    console.log(`webhook path: event → row in ${events[0]?.lag_ms.toFixed(0)} ms`);
  });

  test('with the webhook target down during signup, the reconciler provisions the user within its interval', async ({
    app,
    idp,
    database,
    stack,
  }) => {
    const person = newPerson('reconciled');
    await stack.backend.stop();
    let zitadelUserId = '';
    try {
      const callback = await holdCallback(app.page, app.url);
      await app.open();
      await app.signUp();
      await idp.register(person);
      await callback.url();
      zitadelUserId = (await idp.userByEmail(person.email))?.id ?? '';
      expect(zitadelUserId).toMatch(/^\d{18}$/);
    } finally {
      await stack.backend.start();
    }
    // ZITADEL (and the local provider) never retries the failed delivery: only polling can find it.
    await expect
      .poll(() => database.usersByEmail(person.email).then((rows) => rows.length), {
        timeout: 15_000,
      })
      .toBe(1);
    const events = await database.eventsFor(zitadelUserId);
    expect(events[0]).toMatchObject({ event_type: 'user.human.added', source: 'poll' });
    console.log(
      `reconciler path: event → row in ${events[0]?.lag_ms.toFixed(0)} ms (backend was down during signup; interval 1 s)`,
    );
  });
});
