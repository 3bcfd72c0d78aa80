// Same-run A/B of the backfill CLI in two or more checkouts: `npx tsx
// bench/src/compare-backfill-builds.ts c1130=/tmp/old-checkout main=.` (each a clone with its own
// `npm ci`). One synthetic Event API serves every run; the builds alternate round by round, each
// into a fresh database, so the machine's load hits all alike. Rounds of one build differ by tens
// of percent on a shared 2-core machine: read the per-build median, not one round.
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { createThrowawayDatabase } from '@liverty-music/test-support/throwaway-database';
import { median } from '../../scripts/signup-timing';
import { checkoutAt, loadBenchConfig } from './bench-config';
import { formatCpuShares } from './measure-cpu';
import { namedDirectories } from './named-directories';
import { progress } from './progress-log';
import { runBackfillCli } from './run-backfill-cli';
import { sparseHistory, startSyntheticZitadel } from './synthetic-event-api';

const builds = namedDirectories(process.argv.slice(2), 'checkout').map(({ name, dir }) => ({
  name,
  checkout: checkoutAt(dir),
}));

const config = loadBenchConfig();
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 4) || 4);
const pat = `bench-${randomBytes(12).toString('base64url')}`;
const api = await startSyntheticZitadel(sparseHistory(config.events), pat);
const rates = new Map(builds.map((build) => [build.name, [] as number[]]));
try {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? builds : [...builds].reverse();
    for (const build of order) {
      const database = await createThrowawayDatabase('bench_backfill_ab', {
        serverUrl: config.adminDatabaseUrl,
      });
      try {
        const load = loadavg()[0] ?? Number.NaN;
        const run = await runBackfillCli({
          databaseUrl: database.url,
          apiUrl: api.url,
          pat,
          cores: availableParallelism(),
          checkout: build.checkout,
        });
        const rate = config.events / run.backfillSeconds;
        rates.get(build.name)?.push(rate);
        progress(
          `round ${round + 1} of ${rounds}, ${build.name}: ${rate.toFixed(0)} events/s (${run.backfillSeconds} s, load ${load.toFixed(1)}) [cpu ${formatCpuShares(run.cpu)}]`,
        );
      } finally {
        await database.drop();
      }
    }
  }
} finally {
  await api.close();
}

const [baseline] = builds;
const baseMedian = median(rates.get(baseline?.name ?? '') ?? []);
console.log(
  `\n| build | events/s per round | median | ÷ ${baseline?.name} |\n| --- | --- | --- | --- |`,
);
for (const build of builds) {
  const each = rates.get(build.name) ?? [];
  const m = median(each);
  console.log(
    `| ${build.name} | ${each.map((r) => r.toFixed(0)).join(', ')} | ${m.toFixed(0)} | ${(m / baseMedian).toFixed(3)}× |`,
  );
}
console.log(`\n${config.events} events, ${rounds} rounds per build.\ncomplete`);
