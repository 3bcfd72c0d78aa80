import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/observability/metrics';
import { UserBlockedError } from '../src/provisioning/provision-from-token';
import { getOrCreateMetrics } from '../src/user/get-or-create-metrics';

// The alerts in ops/prometheus read these two series by name, label and bucket
// (alert-rules.test.ts checks the names); these are the values behind them.
describe('GetOrCreate duration and error metrics', () => {
  it('counts a failure under the code the client sees, as Connect writes it', async () => {
    const metrics = createMetrics();
    const measured = getOrCreateMetrics(metrics);
    measured.failed(new ConnectError('no token', Code.Unauthenticated));
    measured.failed(new UserBlockedError('removed'));
    measured.failed(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }));
    measured.failed(new Error('a bug'));
    measured.failed(new Error('another bug'));

    const text = await metrics.registry.metrics();
    const count = (code: string) =>
      Number(
        text.match(
          new RegExp(`^liverty_get_or_create_errors_total\\{code="${code}"\\} (\\d+)$`, 'm'),
        )?.[1],
      );
    expect(count('unauthenticated')).toBe(1);
    expect(count('permission_denied')).toBe(1);
    expect(count('unavailable')).toBe(1);
    expect(count('internal')).toBe(2);
  });

  it('times calls in seconds into the buckets the latency alert reads, one series per registry', async () => {
    const metrics = createMetrics();
    const measured = getOrCreateMetrics(metrics);
    // A second service on the same registry (tests build several) shares the series.
    const again = getOrCreateMetrics(metrics);
    measured.observe(performance.now() - 30); // about 30 ms ago
    again.observe(performance.now() - 3000); // about 3 s ago

    const text = await metrics.registry.metrics();
    const buckets = [
      ...text.matchAll(/^liverty_get_or_create_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm),
    ];
    expect(buckets.map(([, le]) => le)).toEqual([
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '+Inf',
    ]);
    const at = (le: string) => Number(buckets.find(([, bound]) => bound === le)?.[2]);
    expect([at('0.025'), at('0.05'), at('2.5'), at('5')]).toEqual([0, 1, 1, 2]);
    expect(text).toMatch(/^liverty_get_or_create_duration_seconds_count 2$/m);
  });
});
