import type { MachineDescription } from '../describe-machine';
import { formatCpuShares } from '../measure-cpu';
import type { SweepResults, SweepRun } from '../measure-sweep';
import { met, rate, table, times } from './format';

// docs/sweep.md: the sweep of issue 22 (docs/decisions/032), measured by `npm run bench`.

export const SWEEP_TARGET_USERS_PER_SECOND = 20_000;

/**
 * Users per CPU-second the sweep process and Postgres spent together: what the sweep would do on
 * an idle machine with those two busy, a figure other work on a shared machine cannot lower.
 */
export const usersPerCpuSecond = (run: SweepRun) =>
  run.listed / ((run.cpu.seconds.sweep ?? 0) + (run.cpu.seconds.postgres ?? 0));

function row(label: string, run: SweepRun, backfillRate: number): string[] {
  return [
    label,
    run.seconds.toFixed(2),
    rate(run.usersPerSecond),
    rate(usersPerCpuSecond(run)),
    times(run.usersPerSecond / backfillRate),
    `${run.peakRssMiB.toFixed(0)} MiB`,
    `${run.created} / ${run.updated} / ${run.removed}`,
    formatCpuShares(run.cpu),
  ];
}

export function renderSweepReport(results: SweepResults, machine: MachineDescription) {
  const { users, backfill, empty, current, tenth } = results;
  const slowest = Math.min(empty.usersPerSecond, current.usersPerSecond);
  const rows = [
    row('sweep into an empty database (every user created)', empty, backfill.usersPerSecond),
    row(
      'sweep over the backfilled database (every user current: the hourly case)',
      current,
      backfill.usersPerSecond,
    ),
    [
      '`sync-backfill.ts` of the same users (their events), same run',
      backfill.seconds.toFixed(2),
      rate(backfill.usersPerSecond),
      '—',
      '1.00×',
      '—',
      '—',
      '—',
    ],
  ];
  const markdown = `# The sweep: every user through ListUsers

Written by \`npm run bench\` (section \`sweep\`; \`BENCH_ONLY=sweep npm run bench\` runs it alone,
\`BENCH_SWEEP_USERS\` sets the size) on ${machine.date}: ${machine.cpuModel}, ${machine.cpus} cores,
Node ${machine.node}, Postgres ${machine.postgres}, load average ${machine.loadAverageAtStart} at the
start (the machine is shared: a run that other work disturbed is repeated, the least disturbed
counts).

One sweep (\`backend/src/sweep/run-sweep.ts\`, docs/decisions/032) of **${rate(users)} users** in its own
process (\`bench/src/sweep-once.ts\`) against the synthetic ZITADEL the backfill row uses
(\`bench/src/synthetic-event-api.ts\`: ListUsers sorted by creation date, offset paging, 1,000 a
page), on real Postgres: each page upserted in one statement and its ids recorded, the next page
read meanwhile; then one anti-join finds who was not listed. Peak RSS is the sweep process's
\`ru_maxrss\`: it holds two pages, never every user, so a tenth of the users peaks at about the
same RSS (${tenth.peakRssMiB.toFixed(0)} MiB for ${rate(tenth.listed)} users against ${Math.max(empty.peakRssMiB, current.peakRssMiB).toFixed(0)} MiB for ${rate(users)}).

On a machine other work keeps busy, users/s measures the contention as much as the sweep: the
CPU column says what each part got, and "users per CPU-second" is what the sweep process and
Postgres spent per user whatever else ran (Postgres' share counts every database on the server).

| target | measured |
| --- | --- |
| sweep ≥ ${rate(SWEEP_TARGET_USERS_PER_SECOND)} users/s, memory bounded | ${rate(slowest)} users/s (slower of the two runs), peak RSS ${Math.max(empty.peakRssMiB, current.peakRssMiB).toFixed(0)} MiB ${met(slowest >= SWEEP_TARGET_USERS_PER_SECOND)}; CPU cost ${rate(Math.min(usersPerCpuSecond(empty), usersPerCpuSecond(current)))} users per CPU-second |

${table(['run', 's', 'users/s', 'users per CPU-second (sweep + Postgres)', '÷ backfill', 'peak RSS', 'created / updated / removed', 'CPU (cores)'], rows)}
`;
  const console = `\nsweep of ${rate(users)} users: empty ${rate(empty.usersPerSecond)} users/s (${rate(usersPerCpuSecond(empty))}/CPU-s), current ${rate(current.usersPerSecond)} users/s (${rate(usersPerCpuSecond(current))}/CPU-s); backfill ${rate(backfill.usersPerSecond)} users/s (${times(slowest / backfill.usersPerSecond)}); peak RSS ${Math.max(empty.peakRssMiB, current.peakRssMiB).toFixed(0)} MiB\n`;
  return { markdown, console };
}
