import type { BenchConfig, Section } from './bench-config';
import type { MachineDescription } from './describe-machine';
import type { BackfillResults } from './measure-backfill';
import type { GetOrCreateResults } from './measure-get-or-create';
import type { InitialJsResults } from './measure-initial-js';
import type { ScalingResults } from './measure-scaling';
import type { SignupResults } from './measure-signup-time';
import { backfillLimits, backfillSection, backfillTarget } from './reports/backfill';
import { met, type TargetRow, table } from './reports/format';
import { getOrCreateTables, getOrCreateTargets } from './reports/get-or-create';
import { getOrCreateLimits } from './reports/get-or-create-limits';
import { initialJsSection, initialJsTarget } from './reports/initial-js';
import { scalingTable } from './reports/scaling';
import { signupLimits, signupSection, signupTargetRow } from './reports/signup';

export { renderScaling } from './reports/scaling';

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

function targetRows(results: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  if (results.getOrCreate) rows.push(...getOrCreateTargets(results.getOrCreate));
  if (results.initialJs) rows.push(initialJsTarget(results.initialJs));
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

function limitsText(results: BenchResults): string {
  const lines: string[] = [];
  if (results.getOrCreate) lines.push(getOrCreateLimits(results.getOrCreate, results.machine));
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
