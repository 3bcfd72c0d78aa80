import { randomBytes } from 'node:crypto';
import { waitUntil } from '@liverty-music/test-support/wait-until';
import { describe, expect, it } from 'vitest';
import { callUserService, createDispatcher } from './support/call-backend';
import { createTally } from './support/fault-tally';
import {
  hostileNetworkTarget,
  INTROSPECTION_PER_SECOND,
  metric,
  profile,
} from './support/hostile-network-target';

// A burst of junk bearer tokens against the API port (issue 21, docs/decisions/031): the
// introspection budget holds, refusals are counted and their log lines rationed, and a real
// opaque-token user is served again right after.
const tally = createTally('hostile network');
const target = hostileNetworkTarget();
const { expectRecovered, scrape } = target;

describe('hostile network', () => {
  it('spends no more than its budget on a junk-token burst, and serves opaque users again within a second', async () => {
    const { backend, issuer } = target;
    // Tried: 600 junk bearer tokens — 150 too long, 150 with characters no base64url has, 150 too
    // short, 150 plausible random base64url strings — then one plausible junk token 50 times.
    const before = await scrape();
    const logBefore = backend.output().length;
    const introspectedBefore = issuer.counts.introspection;
    const junk = [
      ...Array.from({ length: 150 }, () => randomBytes(1500).toString('base64url')),
      ...Array.from({ length: 150 }, () => `${randomBytes(30).toString('base64')}+/=!`),
      ...Array.from({ length: 150 }, () => randomBytes(9).toString('base64url')),
      ...Array.from({ length: 150 }, () => randomBytes(32).toString('base64url')),
    ];
    const repeated = randomBytes(32).toString('base64url');
    const dispatcher = createDispatcher(50);
    const started = performance.now();
    const answers: number[] = [];
    const all = [...junk, ...Array.from({ length: 50 }, () => repeated)];
    for (let offset = 0; offset < all.length; offset += 50) {
      const batch = await Promise.all(
        all
          .slice(offset, offset + 50)
          .map((token) =>
            callUserService(backend.baseUrl, 'GetMe', { token, timeoutMs: 10_000, dispatcher }),
          ),
      );
      answers.push(...batch.map((exchange) => exchange.status));
    }
    const seconds = (performance.now() - started) / 1000;
    const introspected = issuer.counts.introspection - introspectedBefore;
    for (const status of answers) {
      // 401 unauthenticated, or 503 unavailable once the budget is spent: nothing else.
      if (status === 401 || status === 503) tally.rejected();
      else tally.unexpected(`junk token answered HTTP ${status}`);
    }
    expect(answers.every((status) => status === 401 || status === 503)).toBe(true);
    // Only the 151 plausible strings may reach the issuer, and never more than the budget allows.
    expect(introspected).toBeLessThanOrEqual(151);
    expect(introspected).toBeLessThanOrEqual(INTROSPECTION_PER_SECOND * (seconds + 1));
    const after = await scrape();
    const exhausted =
      metric(after, 'liverty_introspection_budget_exhausted_total') -
      (metric(before, 'liverty_introspection_budget_exhausted_total') || 0);
    tally.note(
      `junk burst: ${all.length} calls in ${seconds.toFixed(1)} s, ${introspected} introspections, budget exhausted ${exhausted}×`,
    );
    if (introspected < 151) expect(exhausted).toBeGreaterThan(0);
    // Every refusal counted, though their log lines are rationed (20 per 10 s).
    const refusals = (text: string, code: string) =>
      metric(text, `liverty_auth_refusals_total\\{code="${code}"\\}`) || 0;
    expect(
      refusals(after, 'Unauthenticated') +
        refusals(after, 'Unavailable') -
        refusals(before, 'Unauthenticated') -
        refusals(before, 'Unavailable'),
    ).toBeGreaterThanOrEqual(all.length);
    const logged = backend
      .output()
      .slice(logBefore)
      .split('\n')
      .filter((line) => line.includes('"msg":"request refused"')).length;
    expect(logged).toBeLessThanOrEqual(20 * (Math.ceil(seconds / 10) + 1));

    // A real opaque token right after the burst: served within a second (the bucket refills).
    const opaque = issuer.issueOpaque(profile);
    const burstEnded = performance.now();
    await waitUntil(
      'a real opaque-token user served after the burst',
      async () =>
        (
          await callUserService(backend.baseUrl, 'GetMe', {
            token: opaque,
            timeoutMs: 5000,
            dispatcher,
          })
        ).status === 200,
      { timeoutMs: 3000, intervalMs: 100 },
    );
    expect(performance.now() - burstEnded).toBeLessThan(1500);
    tally.accepted();
    await dispatcher.close();
    await expectRecovered('junk-token burst');
  });
});
