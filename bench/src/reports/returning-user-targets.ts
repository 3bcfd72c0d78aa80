import type { GetOrCreateResults, Implementation } from '../measure-get-or-create';
import { ms, rate, type TargetRow, times } from './format';
import { perCallMicros, pointOf, GET_OR_CREATE_TARGETS as TARGETS } from './get-or-create';

/**
 * Issue #14, existing users: ÷ no-op at every concurrency, ÷ naive (at every concurrency and best
 * of each), and the p99 at half the backend's best rate against the no-op's at that same rate.
 */
export function returningUserTargets(g: GetOrCreateResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const concurrencies = [...new Set(g.points.map((point) => point.concurrency))].sort(
    (a, b) => a - b,
  );
  const throughput = (implementation: Implementation, c: number) =>
    pointOf(g, implementation, 'existing', c)?.result.throughput ?? Number.NaN;
  for (const [peer, target] of [
    ['noop', TARGETS.existingVsNoop],
    ['naive', TARGETS.existingVsNaive],
  ] as const) {
    const ratios = concurrencies.map((c) => ({
      c,
      ratio: throughput('real', c) / throughput(peer, c),
    }));
    if (ratios.length === 0 || ratios.every(({ ratio }) => Number.isNaN(ratio))) continue;
    rows.push({
      target: `GetOrCreate ≥ ${target}× ${peer === 'noop' ? 'the no-op handler' : 'naive'}, existing users, at every concurrency`,
      measured: ratios.map(({ c, ratio }) => `c=${c} ${times(ratio)}`).join(', '),
      ok: ratios.every(({ ratio }) => ratio >= target),
    });
  }
  // Throughput on a shared machine moves with whatever else runs; the server's own CPU per call
  // moves much less, and bounds the throughput ratio when both are CPU-bound.
  const cpuRatios = concurrencies.map((c) => ({
    c,
    ratio:
      perCallMicros(pointOf(g, 'real', 'existing', c), 'app') /
      perCallMicros(pointOf(g, 'noop', 'existing', c), 'app'),
  }));
  if (cpuRatios.some(({ ratio }) => Number.isFinite(ratio))) {
    rows.push({
      target: `server CPU per call, backend ÷ no-op, existing users (≤ ${(1 / TARGETS.existingVsNoop).toFixed(2)}× would allow ${TARGETS.existingVsNoop}× the no-op's rate)`,
      measured: cpuRatios.map(({ c, ratio }) => `c=${c} ${times(ratio)}`).join(', '),
      ok: undefined,
    });
  }
  const half = g.halfMax.find((p) => p.implementation === 'real' && p.workload === 'existing');
  const halfNoop = g.halfMax.find((p) => p.implementation === 'noop' && p.workload === 'existing');
  if (half && halfNoop) {
    const ratio = half.result.p99 / halfNoop.result.p99;
    rows.push({
      target: `p99 at half the backend's best rate ≤ ${TARGETS.p99VsNoopAtHalfMax}× the no-op's p99 at that rate, existing users`,
      measured: `${times(ratio)} (${ms(half.result.p99)} ms vs ${ms(halfNoop.result.p99)} ms at ${rate(half.rate)} req/s)`,
      ok: ratio <= TARGETS.p99VsNoopAtHalfMax && half.result.errors === 0,
    });
  }
  return rows;
}
