import type { BenchConfig } from '../bench-config';
import type {
  GetOrCreateResults,
  Implementation,
  LoadPoint,
  Workload,
} from '../measure-get-or-create';
import { CPU_HEADER, CPU_PARTS, cpuCells, ms, rate, type TargetRow, table, times } from './format';
import { profileSection } from './get-or-create-profile';
import { returningUserTargets } from './returning-user-targets';

// GetOrCreate's part of the reports (docs/benchmarks.md and the console summary).

export const GET_OR_CREATE_TARGETS = {
  vsPgbench: 0.5,
  vsNaive: 1.5,
  p99AtHalfMaxMs: 5,
  // Issue #14: returning users at ≥ 0.9× the no-op handler at every concurrency, ≥ 2× the naive
  // peer, and a p99 at half the backend's best rate ≤ 1.5× the no-op handler's at that rate.
  existingVsNoop: 0.9,
  existingVsNaive: 2,
  p99VsNoopAtHalfMax: 1.5,
};
const TARGETS = GET_OR_CREATE_TARGETS;

export function pointOf(
  results: GetOrCreateResults,
  implementation: Implementation,
  workload: Workload,
  concurrency: number,
): LoadPoint | undefined {
  // The no-op ignores the token, so one measurement serves both workloads.
  const lookup = implementation === 'noop' ? 'existing' : workload;
  return results.points.find(
    (point) =>
      point.implementation === implementation &&
      point.workload === lookup &&
      point.concurrency === concurrency,
  );
}

export function best(
  results: GetOrCreateResults,
  implementation: Implementation,
  workload: Workload,
) {
  const lookup = implementation === 'noop' ? 'existing' : workload;
  return results.points
    .filter((point) => point.implementation === implementation && point.workload === lookup)
    .sort((a, b) => b.result.throughput - a.result.throughput)[0];
}

export const perCallMicros = (point: LoadPoint | undefined, part: string) =>
  point && point.result.requests > 0
    ? ((point.cpu.seconds[part] ?? 0) / point.result.requests) * 1e6
    : Number.NaN;

/** The targets-table rows of GetOrCreate. */
export function getOrCreateTargets(g: GetOrCreateResults): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const workload of ['existing', 'new'] as const) {
    const real = best(g, 'real', workload);
    const pgbench = best(g, 'pgbench', workload);
    const naive = best(g, 'naive', workload);
    const label = workload === 'existing' ? 'existing users' : 'new users';
    if (real && pgbench) {
      const ratio = real.result.throughput / pgbench.result.throughput;
      rows.push({
        target: `GetOrCreate ≥ ${TARGETS.vsPgbench}× pgbench, ${label} (best of each)`,
        measured: `${times(ratio)} (${rate(real.result.throughput)} at c=${real.concurrency} vs ${rate(pgbench.result.throughput)} at c=${pgbench.concurrency})`,
        ok: ratio >= TARGETS.vsPgbench,
      });
    }
    if (real && naive) {
      const ratio = real.result.throughput / naive.result.throughput;
      rows.push({
        target: `GetOrCreate ≥ ${TARGETS.vsNaive}× naive, ${label} (best of each)`,
        measured: `${times(ratio)} (${rate(real.result.throughput)} at c=${real.concurrency} vs ${rate(naive.result.throughput)} at c=${naive.concurrency})`,
        ok: ratio >= TARGETS.vsNaive,
      });
    }
  }
  for (const point of g.halfMax.filter((p) => p.implementation === 'real')) {
    const peer = (implementation: 'noop' | 'pgbench') =>
      g.halfMax.find((p) => p.implementation === implementation && p.workload === point.workload);
    rows.push({
      target: `p99 ≤ ${TARGETS.p99AtHalfMaxMs} ms at half max, ${point.workload === 'existing' ? 'existing' : 'new'} users`,
      measured: `${ms(point.result.p99)} ms at ${rate(point.rate)} req/s offered (same rate: no-op ${ms(peer('noop')?.result.p99 ?? Number.NaN)} ms, pgbench ${ms(peer('pgbench')?.result.p99 ?? Number.NaN)} ms)`,
      ok: point.result.p99 <= TARGETS.p99AtHalfMaxMs && point.result.errors === 0,
    });
  }
  rows.push(...returningUserTargets(g));
  return rows;
}

export function getOrCreateTables(g: GetOrCreateResults, config: BenchConfig): string {
  const parts: string[] = [];
  for (const workload of ['existing', 'new'] as const) {
    parts.push(
      workload === 'existing'
        ? `### Existing users (${g.existingUsers.toLocaleString('en-US')} provisioned, userinfo cache warm)`
        : '### New users (every call a never-seen `sub`)',
    );
    const concurrencies = config.concurrencies;
    parts.push(
      table(
        [
          'concurrency',
          'backend req/s',
          'pgbench',
          'no-op',
          'naive',
          '÷ pgbench',
          '÷ no-op',
          '÷ naive',
        ],
        concurrencies.map((c) => {
          const [real, pgbench, noop, naive] = (['real', 'pgbench', 'noop', 'naive'] as const).map(
            (impl) => pointOf(g, impl, workload, c)?.result.throughput ?? Number.NaN,
          ) as [number, number, number, number];
          return [
            String(c),
            rate(real),
            rate(pgbench),
            rate(noop),
            rate(naive),
            times(real / pgbench),
            times(real / noop),
            times(real / naive),
          ];
        }),
      ),
    );
    parts.push(
      `Latency, p50 / p99 in ms (closed loop${workload === 'new' ? '; the no-op column repeats the existing-users run, as it ignores the token' : ''}):`,
    );
    parts.push(
      table(
        ['concurrency', 'backend', 'pgbench', 'no-op', 'naive'],
        concurrencies.map((c) => [
          String(c),
          ...(['real', 'pgbench', 'noop', 'naive'] as const).map((impl) => {
            const point = pointOf(g, impl, workload, c);
            const errors = point?.result.errors ? ` (${point.result.errors} errors)` : '';
            return point ? `${ms(point.result.p50)} / ${ms(point.result.p99)}${errors}` : '—';
          }),
        ]),
      ),
    );
    parts.push(
      'CPU during each backend point, in cores of the machine (server = the backend process):',
    );
    parts.push(
      table(
        [
          'concurrency',
          ...CPU_HEADER,
          'backend CPU per call',
          'Postgres CPU per call',
          'checkpoints',
        ],
        concurrencies.map((c) => {
          const point = pointOf(g, 'real', workload, c);
          return point
            ? [
                String(c),
                ...cpuCells(point.cpu, CPU_PARTS),
                `${Math.round(perCallMicros(point, 'app'))} µs`,
                `${Math.round(perCallMicros(point, 'postgres'))} µs`,
                String(point.checkpoints),
              ]
            : [String(c), ...CPU_PARTS.map(() => '—'), '—', '—', '—'];
        }),
      ),
    );
  }

  parts.push('### p99 at half the maximum throughput (open loop, constant rate)');
  parts.push(
    "The rate is half the backend's best closed-loop throughput for the workload. The no-op handler and pgbench (`-R`, same statement) get the very same rate: their tails are what the machine adds by itself. Latency counts from when each call was due.",
  );
  parts.push(
    table(
      [
        'workload',
        'offered req/s',
        'implementation',
        'achieved',
        'p50 ms',
        'p99 ms',
        'max ms',
        'errors',
        'checkpoints',
        'CPU: server / Postgres / other / idle',
      ],
      g.halfMax.map((point) => [
        point.workload === 'existing' ? 'existing users' : 'new users',
        rate(point.rate),
        point.implementation === 'real' ? 'backend' : point.implementation,
        rate(point.result.throughput),
        ms(point.result.p50),
        ms(point.result.p99),
        ms(point.result.max),
        String(point.result.errors),
        String(point.checkpoints),
        cpuCells(point.cpu, ['app', 'postgres', 'other', 'idle']).join(' / '),
      ]),
    ),
  );

  if (g.duplicates.length > 0) {
    const first = g.duplicates[0];
    parts.push(
      `### Simultaneous first calls (${first?.users} never-seen users, ${first?.callsPerUser} calls each at once)`,
    );
    parts.push(
      table(
        ['implementation', 'rows', 'answered `created: true`', 'failed calls', 'unique violations'],
        g.duplicates.map((d) => [
          d.implementation === 'real' ? 'backend' : 'naive',
          `${d.rows} (right: ${d.users})`,
          `${d.createdTrue} (right: ${d.users})`,
          String(d.failed),
          String(d.uniqueViolations),
        ]),
      ),
    );
  }

  if (g.profile) parts.push(...profileSection(g.profile));

  parts.push('### The statement pgbench ran');
  parts.push(
    'Captured from `provisionFromToken` (backend/src/provisioning/provision-from-token.ts) as it stands, by running it against a database handle that records SQL instead of executing it; the parameters are rebuilt from the pgbench variable `:sub`. Run with `-M prepared -j 2`.',
  );
  parts.push(`\`\`\`sql\n${g.upsertSql}\n\`\`\``);
  return parts.join('\n\n');
}
