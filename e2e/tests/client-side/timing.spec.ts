import {
  ACCOUNT_READY,
  formatSignupBreakdown,
  LONG_TASK_RECORDER,
  readSignupTiming,
  type SignupTiming,
  summarizeSignupTimings,
} from '../../../scripts/signup-timing';
import { expect, newPerson, test } from '../../support/fixtures';

// Printed, not asserted (a timed assertion would fail on a busy machine, not on a regression):
// where 10 signups spend their time, from the /callback document's first byte to "Your account
// is ready", beside the identity provider's part. `npm run bench` prints the same breakdown.
test('reports where a signup spends its time over 10 signups', async ({
  app,
  idp,
  context,
  stack,
}) => {
  await context.addInitScript({ content: LONG_TASK_RECORDER });
  const origins = { app: new URL(stack.appUrl).origin, issuer: new URL(stack.issuer).origin };
  const samples: SignupTiming[] = [];
  for (let i = 0; i < 10; i++) {
    const person = newPerson('timing');
    await context.clearCookies();
    await app.open();
    await app.page.evaluate(() => localStorage.clear());
    await app.open();
    await app.signUp();
    await idp.register(person);
    // Polled, not awaited with a locator: see ACCOUNT_READY.
    await expect
      .poll(() => app.page.evaluate(ACCOUNT_READY).catch(() => false), { intervals: [10] })
      .toBe(true);
    samples.push(await app.page.evaluate(readSignupTiming, origins));
    await expect(app.heading('Your account is ready')).toBeVisible();
  }
  const summary = summarizeSignupTimings(samples);
  console.log(`Signup timing (E2E, ${stack.appUrl}):\n${formatSignupBreakdown(summary)}`);
  expect(samples).toHaveLength(10);
  // Each breakdown is whole: the parts the app waits on happened in order.
  for (const sample of samples) {
    expect(sample.token.start).toBeLessThan(sample.getOrCreate.start);
    expect(sample.getOrCreate.end).toBeLessThanOrEqual(sample.appShare);
  }
});
