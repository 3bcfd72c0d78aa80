import type { BenchConfig, Section } from './bench-config';
import type { MachineDescription } from './describe-machine';
import type { BackfillResults } from './measure-backfill';
import type { CpuShares } from './measure-cpu';
import type {
  GetOrCreateResults,
  Implementation,
  LoadPoint,
  Workload,
} from './measure-get-or-create';
import type { InitialJsResults } from './measure-initial-js';
import type { ScalingResults } from './measure-scaling';
import type { SignupResults } from './measure-signup-time';
import { backfillLimits, backfillSection, backfillTarget } from './report-backfill';
import { signupLimits, signupSection, signupTargetRow } from './signup-report';

export interface BenchResults {
  config: BenchConfig;
  machine: MachineDescription;
  getOrCreate?: GetOrCreateResults;
  initialJs?: InitialJsResults;
  backfill?: BackfillResults;
  signup?: SignupResults;
  scaling?: ScalingResults;
  failures: Partial<Record<Section, string>>;
  totalSeconds: number;
}

const TARGETS = {
  vsPgbench: 0.5,
  vsNaive: 1.5,
  p99AtHalfMaxMs: 5,
  initialJsRatio: 1.6,
};

const rate = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(value < 10 ? 2 : 1) : '—');
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '—');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const met = (ok: boolean) => (ok ? '**met**' : '**not met**');

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Cores used per part during a point, e.g. "backend 1.02 · postgres 0.37 · …". */
function cpuCells(cpu: CpuShares, parts: string[]): string[] {
  return parts.map((part) => (cpu.seconds[part] ?? 0) / cpu.wallSeconds).map((v) => v.toFixed(2));
}

const CPU_PARTS = ['app', 'postgres', 'bench', 'issuer', 'other', 'idle'];
const CPU_HEADER = ['server', 'Postgres', 'load generator', 'issuer', 'other work', 'idle'];

function pointOf(
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

function best(results: GetOrCreateResults, implementation: Implementation, workload: Workload) {
  const lookup = implementation === 'noop' ? 'existing' : workload;
  return results.points
    .filter((point) => point.implementation === implementation && point.workload === lookup)
    .sort((a, b) => b.result.throughput - a.result.throughput)[0];
}

const perCallMicros = (point: LoadPoint | undefined, part: string) =>
  point && point.result.requests > 0
    ? ((point.cpu.seconds[part] ?? 0) / point.result.requests) * 1e6
    : Number.NaN;

interface TargetRow {
  target: string;
  measured: string;
  ok: boolean | undefined;
}

function targetRows(results: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const g = results.getOrCreate;
  if (g) {
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
  }
  if (results.initialJs) {
    rows.push({
      target: `initial JS ≤ ${TARGETS.initialJsRatio}× a plain Vite React app (gzip)`,
      measured: `${times(results.initialJs.ratio)} (${results.initialJs.app.initialGzipBytes.toLocaleString('en-US')} B vs ${results.initialJs.plainReact.initialGzipBytes.toLocaleString('en-US')} B)`,
      ok: results.initialJs.ratio <= TARGETS.initialJsRatio,
    });
  }
  if (results.backfill) rows.push(backfillTarget(results.backfill));
  if (results.signup) rows.push(signupTargetRow(results.signup));
  return rows;
}

function targetsTable(results: BenchResults): string {
  return table(
    ['target', 'measured', 'verdict'],
    targetRows(results).map((row) => [
      row.target,
      row.measured,
      row.ok === undefined ? '—' : met(row.ok),
    ]),
  );
}

function getOrCreateTables(g: GetOrCreateResults, config: BenchConfig): string {
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

  if (g.profile) {
    const p = g.profile;
    parts.push(
      `### Where the backend's main thread goes (CPU profile, existing users, c=${p.concurrency}, ${rate(p.result.throughput)} req/s while profiled)`,
    );
    parts.push(
      table(
        ['category (self time)', 'share'],
        p.shares
          .filter((share) => share.share >= 0.01)
          .map((share) => [share.category, `${(share.share * 100).toFixed(0)}%`]),
      ),
    );
    parts.push(
      'WebCrypto signature checks run on libuv worker threads and are not in the main-thread profile; they are in the process CPU above.',
    );
  }

  parts.push('### The statement pgbench ran');
  parts.push(
    'Captured from `provisionFromToken` (backend/src/provisioning/provision-from-token.ts) as it stands, by running it against a database handle that records SQL instead of executing it; the parameters are rebuilt from the pgbench variable `:sub`. Run with `-M prepared -j 2`.',
  );
  parts.push(`\`\`\`sql\n${g.upsertSql}\n\`\`\``);
  return parts.join('\n\n');
}

function limitsText(results: BenchResults): string {
  const lines: string[] = [];
  const g = results.getOrCreate;
  if (g) {
    const real = best(g, 'real', 'existing');
    const noop = best(g, 'noop', 'existing');
    const pgbench = best(g, 'pgbench', 'existing');
    const realNew = best(g, 'real', 'new');
    if (real && pgbench && noop) {
      const share = (part: string) =>
        ((real.cpu.seconds[part] ?? 0) / real.cpu.wallSeconds).toFixed(2);
      const appMicros = perCallMicros(real, 'app');
      const pgMicros = perCallMicros(real, 'postgres');
      lines.push(
        `- **Where a returning user's call goes.** At the backend's best point (existing users, c=${real.concurrency}, ${rate(real.result.throughput)} req/s) the ${results.machine.cpus} cores went to: backend ${share('app')}, Postgres ${share('postgres')}, load generator ${share('bench')}, issuer ${share('issuer')}, other work on the machine ${share('other')}, idle ${share('idle')}. Per call: ${Math.round(appMicros)} µs of backend CPU and ${Math.round(pgMicros)} µs of Postgres CPU; pgbench needs ${Math.round(perCallMicros(pgbench, 'postgres'))} µs of Postgres CPU for the same statement. The bottleneck is the ${appMicros > pgMicros ? 'Node process' : 'database'}.`,
      );
      const noopRatio = noop.result.throughput / pgbench.result.throughput;
      lines.push(
        `- **The framework limit${noopRatio < TARGETS.vsPgbench ? ' is itself below the pgbench target' : ''}.** The no-op Connect handler on the same node:http stack (no token check, no query) peaks at ${rate(noop.result.throughput)} req/s = ${times(noopRatio)} pgbench, spending ${Math.round(perCallMicros(noop, 'app'))} µs of server CPU per call on HTTP parsing, Connect routing, JSON and socket writes${noopRatio < TARGETS.vsPgbench ? `. No handler on this stack can reach ${TARGETS.vsPgbench}× pgbench on these ${results.machine.cpus} cores, where pgbench is a C client sending a prepared statement over the Postgres protocol` : ''}. The backend reaches ${times(real.result.throughput / noop.result.throughput)} of the framework limit${g.profile ? '; the profile below shows where its main thread goes' : ''}.`,
      );
    }
    for (const workload of ['existing', 'new'] as const) {
      const at = (implementation: 'real' | 'noop' | 'pgbench') =>
        g.halfMax.find((p) => p.implementation === implementation && p.workload === workload);
      const half = at('real');
      const halfNoop = at('noop');
      const halfPg = at('pgbench');
      if (!half || !halfNoop || !halfPg) continue;
      const other = (half.cpu.seconds.other ?? 0) / half.cpu.wallSeconds;
      const causes: string[] = [
        `every call crosses three processes (load generator, backend, Postgres) that must each be woken on a ${results.machine.cpus}-vCPU ${results.machine.virtualization}`,
      ];
      if (half.checkpoints > 0) {
        causes.push(
          `${half.checkpoints} Postgres checkpoint(s) ran during the backend's run (on this shared server every DROP DATABASE by a test suite forces one), and each stalls commits while it writes and fsyncs`,
        );
      }
      if (workload === 'new') {
        causes.push(
          'each new user also waits for a userinfo call to the issuer and for its insert to be flushed to the WAL on commit, which the no-op skips',
        );
      }
      if (other > 0.05) causes.push(`other work took ${other.toFixed(2)} cores meanwhile`);
      lines.push(
        `- **Tail latency, ${workload} users.** At ${rate(half.rate)} req/s offered the backend's p99 is ${ms(half.result.p99)} ms (p50 ${ms(half.result.p50)} ms); at the same rate the no-op handler's p99 is ${ms(halfNoop.result.p99)} ms and pgbench's ${ms(halfPg.result.p99)} ms. ${
          Math.min(halfNoop.result.p99, halfPg.result.p99) > TARGETS.p99AtHalfMaxMs
            ? `Neither a handler that does nothing nor Postgres alone stays under ${TARGETS.p99AtHalfMaxMs} ms here, so the target is below this machine's floor:`
            : 'Contributing:'
        } ${causes.join('; ')}.`,
      );
    }
    if (realNew) {
      lines.push(
        `- **New users** add a userinfo round trip to the issuer (in-process cache miss) and a real insert with its commit flush (fsync=on, synchronous_commit=on): ${rate(realNew.result.throughput)} req/s at best (c=${realNew.concurrency}), ${Math.round(perCallMicros(realNew, 'app'))} µs backend CPU and ${Math.round(perCallMicros(realNew, 'postgres'))} µs Postgres CPU per call; the issuer stand-in used ${((realNew.cpu.seconds.issuer ?? 0) / realNew.cpu.wallSeconds).toFixed(2)} cores of the same machine.`,
      );
    }
    const other = g.points.map((point) => (point.cpu.seconds.other ?? 0) / point.cpu.wallSeconds);
    const meanOther = other.reduce((sum, value) => sum + value, 0) / Math.max(1, other.length);
    if (meanOther > 0.1) {
      lines.push(
        `- **Other work shared the machine**: on average ${meanOther.toFixed(2)} cores were busy with processes outside this benchmark during the GetOrCreate points (load average ${results.machine.loadAverageAtStart} at start). Ratios are measured interleaved, point by point, so they suffer less than absolute rates.`,
      );
    }
  }
  if (results.backfill) lines.push(backfillLimits(results.backfill));
  if (results.signup) lines.push(signupLimits(results.signup));
  return lines.join('\n');
}

function machineTable(results: BenchResults): string {
  const m = results.machine;
  const c = results.config;
  return table(
    ['', ''],
    [
      ['date', m.date],
      ['CPU', `${m.cpuModel}, ${m.cpus} cores (nproc)`],
      ['memory', `${m.memoryGiB} GiB`],
      ['kernel', `${m.kernel} (${m.virtualization})`],
      ['Node', m.node],
      ['Postgres', `${m.postgres} on the same machine; ${m.postgresSettings}`],
      ['load average at start', String(m.loadAverageAtStart)],
      [
        'settings',
        `BENCH_SECONDS=${c.seconds}, BENCH_CONCURRENCY=${c.concurrencies.join(',')}, BENCH_USERS=${c.existingUsers}, BENCH_EVENTS=${c.events}, BENCH_SIGNUPS=${c.signups}, BENCH_SCALING_CONCURRENCY=${c.scalingConcurrency}, BENCH_QUIET_WAIT_SECONDS=${c.quietWaitSeconds}`,
      ],
      ['whole run', `${(results.totalSeconds / 60).toFixed(1)} min`],
    ],
  );
}

function initialJsSection(js: InitialJsResults): string {
  return [
    table(
      ['build', 'initial JS files', 'raw', 'gzip -9', 'lazy chunks (gzip)'],
      [
        [
          'frontend/',
          js.app.initialFiles.join(', '),
          kb(js.app.initialRawBytes),
          kb(js.app.initialGzipBytes),
          `${js.app.lazyFiles} (${kb(js.app.lazyGzipBytes)})`,
        ],
        [
          'plain Vite React app',
          js.plainReact.initialFiles.join(', '),
          kb(js.plainReact.initialRawBytes),
          kb(js.plainReact.initialGzipBytes),
          `${js.plainReact.lazyFiles} (${kb(js.plainReact.lazyGzipBytes)})`,
        ],
      ],
    ),
    `Ratio: **${times(js.ratio)}**. Initial = the HTML entry's chunk and its static imports in Vite's manifest (what the browser must fetch before the first render); dynamic imports are counted apart. Both built in this run by the repository's Vite with @vitejs/plugin-react; the plain app renders one heading with React 19.`,
  ].join('\n\n');
}

function scalingTable(s: ScalingResults): string {
  const one = s.points[0]?.result.throughput ?? Number.NaN;
  return table(
    ['backend processes', 'req/s', '÷ one process', 'p50 ms', 'p99 ms', 'errors', ...CPU_HEADER],
    s.points.map((point) => [
      String(point.processes),
      rate(point.result.throughput),
      times(point.result.throughput / one),
      ms(point.result.p50),
      ms(point.result.p99),
      String(point.result.errors),
      ...cpuCells(point.cpu, CPU_PARTS),
    ]),
  );
}

function failuresText(results: BenchResults): string {
  const entries = Object.entries(results.failures);
  if (entries.length === 0) return '';
  return `\n\n## Not measured in this run\n\n${entries.map(([section, message]) => `- ${section}: ${message.split('\n')[0]}`).join('\n')}`;
}

export function renderBenchmarks(results: BenchResults): string {
  const sections = [
    '# Benchmarks',
    '<!-- Written by `npm run bench` (bench/src/write-reports.ts); edit the generator, not this file. -->',
    `Measured by \`npm run bench\` on ${results.machine.date.slice(0, 10)}. Every figure is set against a baseline measured in the same run on the same machine. Absolute rates move with the machine; ratios are the point. Durations are configurable (\`BENCH_SECONDS\`, \`BENCH_CONCURRENCY\`, \`BENCH_USERS\`, \`BENCH_EVENTS\`, \`BENCH_SIGNUPS\`).`,
    '## Machine',
    machineTable(results),
    '## Targets',
    targetsTable(results),
    '## What limits them',
    limitsText(results),
  ];
  if (results.getOrCreate) {
    sections.push(
      '## 1. GetOrCreate over real Postgres',
      'Closed loop from the bench process over keep-alive connections (undici), against: **pgbench** running the same upsert at equal concurrency (the database limit), a **no-op** Connect handler on the same stack (the framework limit), and a **naive** select → insert → update implementation with the same token verification and userinfo (what most apps write). Each has its own fresh database; tokens are ES256, pre-signed, and the issuer runs in its own process.',
      getOrCreateTables(results.getOrCreate, results.config),
    );
  }
  if (results.initialJs) {
    sections.push('## 2. Frontend initial JavaScript', initialJsSection(results.initialJs));
  }
  if (results.backfill) {
    sections.push('## 3. Backfill', backfillSection(results.backfill));
  }
  if (results.signup) {
    sections.push(
      '## 4. Browser: callback → "Your account is ready"',
      signupSection(results.signup),
    );
  }
  if (results.scaling) {
    sections.push(
      '## 5. Backend processes on one Postgres',
      `${scalingTable(results.scaling)}\n\nSee [scaling.md](scaling.md).`,
    );
  }
  return `${sections.join('\n\n')}${failuresText(results)}\n`;
}

function duplicatesSentence(results: BenchResults): string {
  const real = results.getOrCreate?.duplicates.find((d) => d.implementation === 'real');
  const naive = results.getOrCreate?.duplicates.find((d) => d.implementation === 'naive');
  if (!real || !naive) return '';
  return `In this run's duplicate-calls check (${real.users} new users, ${real.callsPerUser} simultaneous calls each) the backend left ${real.rows} rows, answered \`created: true\` ${real.createdTrue} times and failed ${real.failed} calls; the naive select-then-insert failed ${naive.failed} calls with ${naive.uniqueViolations} unique violations.`;
}

/** Why the curve has its shape, from the CPU each point used. */
function scalingExplanation(s: ScalingResults, cpus: number): string {
  const one = s.points[0];
  const last = s.points.at(-1);
  if (!one || !last || one === last) return '';
  const cores = (point: typeof one, part: string) =>
    (point.cpu.seconds[part] ?? 0) / point.cpu.wallSeconds;
  const perCall = (point: typeof one) =>
    ((point.cpu.seconds.app ?? 0) / Math.max(1, point.result.requests)) * 1e6;
  const peak = [...s.points].sort((a, b) => b.result.throughput - a.result.throughput)[0] ?? one;
  const parts: string[] = [];
  const oneIdle = cores(one, 'idle');
  parts.push(
    oneIdle >= 0.25
      ? `One process left ${oneIdle.toFixed(2)} cores idle while using ${cores(one, 'app').toFixed(2)}: its single event loop was the limit.`
      : `One process already left almost no core idle (${oneIdle.toFixed(2)}).`,
  );
  if (peak !== one) {
    parts.push(
      `A second event loop could use that: throughput peaked at ${times(peak.result.throughput / one.result.throughput)} with ${peak.processes} processes (idle ${cores(peak, 'idle').toFixed(2)}).`,
    );
  }
  if (peak !== last || peak === one) {
    parts.push(
      `With ${last.processes} the cores were full (idle ${cores(last, 'idle').toFixed(2)}) and server CPU per call rose from ${Math.round(perCall(one))} µs with one process to ${Math.round(perCall(last))} µs: ${last.processes} event loops time-share ${cpus} cores with Postgres and the load generator, each with its own connection pool and caches to keep warm, so more processes add switching rather than calls.`,
    );
  }
  return parts.join(' ');
}

export function renderScaling(results: BenchResults): string {
  const s = results.scaling;
  if (!s) throw new Error('no scaling results');
  const one = s.points[0];
  const last = s.points.at(-1);
  const idle = (point: typeof one) =>
    point ? ((point.cpu.seconds.idle ?? 0) / point.cpu.wallSeconds).toFixed(2) : '—';
  const pg = (point: typeof one) =>
    point ? ((point.cpu.seconds.postgres ?? 0) / point.cpu.wallSeconds).toFixed(2) : '—';
  const other = (point: typeof one) =>
    point ? ((point.cpu.seconds.other ?? 0) / point.cpu.wallSeconds).toFixed(2) : '—';
  const app = (point: typeof one) =>
    point ? ((point.cpu.seconds.app ?? 0) / point.cpu.wallSeconds).toFixed(2) : '—';
  return `# Scaling: many backend replicas, one Postgres

<!-- The measured part is written by \`npm run bench\` (bench/src/write-reports.ts). -->

## Measured here: 1 → 2 → 3 backend processes

${s.existingUsers.toLocaleString('en-US')} existing users, GetOrCreate in a closed loop at ${s.concurrency} concurrent callers spread round-robin over the processes, userinfo caches warm, ${results.config.seconds} s per point, on ${results.machine.cpus} cores (${results.machine.cpuModel}, ${results.machine.virtualization}) with Postgres ${results.machine.postgres} on the same machine, ${results.machine.date.slice(0, 10)}. CPU in cores; "server" sums every backend process.

${scalingTable(s)}

With one process the backend used ${app(one)} cores, Postgres ${pg(one)}, work outside the benchmark ${other(one)}, and ${idle(one)} stayed idle. ${
    last && one && last !== one
      ? `With ${last.processes}, the backends together used ${app(last)}, Postgres ${pg(last)}, other work ${other(last)}, idle ${idle(last)}; throughput was ${times(last.result.throughput / one.result.throughput)} of one process. `
      : ''
  }${scalingExplanation(s, results.machine.cpus)} What the curve does show is that replicas cost nothing in correctness: every point ran against one database with the same answers. The headroom appears when replicas get their own cores (separate machines or pods); then the ceiling moves to Postgres.

## How the design runs at many replicas

- **Stateless backends.** A backend holds no session or user state. Everything it caches is derived and expires on its own: the issuer's discovery document (1 h), its key set (jose, refetched on an unknown \`kid\` at most every 30 s), verified tokens by hash (up to 60 s, never past \`exp\`) and userinfo per token hash (30 s); both token caches are bounded to 10,000 entries. A replica that has not seen a token yet verifies it and asks userinfo once, so round-robin load balancing costs one extra verification per token per replica. Any replica can answer any call; a load balancer needs no affinity, and a replica can be killed at any time.
- **Postgres is the only coordination point.** Correctness never depends on which replica answers:
  - GetOrCreate is one statement keyed by the unique \`zitadel_user_id\`; concurrent first calls on different replicas serialise on that index entry and give one row, and \`created: true\` goes to exactly one caller (the claim id stored with \`coalesce\`). ${duplicatesSentence(results)}
  - Webhook deliveries and reconciler polls are idempotent through the \`identity_events\` unique key (aggregate, id, sequence), and order-safe through per-field sequences, so the same event applied by two replicas, or twice by one, is a no-op.
  - Migrations run under a session advisory lock, so replicas starting together do not race on DDL.
- **One reconciler leader.** Every replica tries \`pg_try_advisory_lock\` on a dedicated connection each interval; the one that holds it polls the Event API and moves the checkpoint in the same transaction as the events it applied. If the leader dies, its session ends, the lock frees, and another replica takes over at its next tick; a crash mid-page rolls the page back and the next leader re-reads it. Leadership is observable at \`liverty_reconciler_leader\`.
- **What saturates first.** On this ${results.machine.cpus}-core machine: CPU, shared by the backend (HTTP parsing, Connect's per-call machinery and JSON, the Postgres driver, and a signature check for each token it has not seen in the last minute), Postgres and the load generator; see the CPU columns above and in [benchmarks.md](benchmarks.md). With replicas on their own cores, the next limits are Postgres: connections (each replica opens a pool of 10; 100 replicas need a pooler such as PgBouncer in transaction mode; GetOrCreate's one statement keeps no session state, but it is a named prepared statement, so the pooler must track those — PgBouncer ≥ 1.21 with \`max_prepared_statements\` — or the driver must stop preparing), then commit flushes for new users (one WAL flush per insert; group commit helps as concurrency grows), then the single \`users\` unique index for hot keys. The issuer is the other shared dependency: every cache miss is one userinfo call, so a sign-up burst is bounded by ZITADEL's userinfo rate, not by the replicas.
- **Scaling the reconciler** is not needed for throughput: one leader applies pages of 1000 events in a transaction each (see the backfill figure in [benchmarks.md](benchmarks.md)), far above the rate at which people sign up.
`;
}

/** What `npm run bench` prints at the end: the targets and the main tables. */
export function renderConsoleSummary(results: BenchResults): string {
  const parts = [
    '',
    '== liverty-music bench ==',
    '',
    machineTable(results),
    '',
    targetsTable(results),
  ];
  if (results.getOrCreate) parts.push('', getOrCreateTables(results.getOrCreate, results.config));
  if (results.initialJs) parts.push('', initialJsSection(results.initialJs));
  if (results.backfill) parts.push('', backfillSection(results.backfill));
  if (results.signup) parts.push('', signupSection(results.signup));
  if (results.scaling) parts.push('', scalingTable(results.scaling));
  parts.push('', limitsText(results));
  return `${parts.join('\n')}${failuresText(results)}\n`;
}
