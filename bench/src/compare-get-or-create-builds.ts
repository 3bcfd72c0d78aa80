// Same-run A/B of GetOrCreate in two or more checkouts: `npx tsx
// bench/src/compare-get-or-create-builds.ts c1130=/tmp/old-checkout main=.` (each a clone with its
// own `npm ci`). Every backend runs at once, each on its own fresh database, against one issuer;
// short closed-loop points alternate between them, round by round, so a change in the machine's
// load hits every build alike. Whole `npm run bench` runs minutes apart differ by tens of percent
// on a shared 2-core machine; points seconds apart do not.
import { availableParallelism, loadavg } from 'node:os';
import {
  createThrowawayDatabase,
  type ThrowawayDatabase,
} from '@liverty-music/test-support/throwaway-database';
import { median } from '../../scripts/signup-timing';
import { checkoutAt, loadBenchConfig } from './bench-config';
import { existingSub, newSub } from './bench-identity';
import { startCpuMeter } from './measure-cpu';
import { namedDirectories } from './named-directories';
import { progress } from './progress-log';
import { runClosedLoop } from './run-closed-loop';
import { type RunningServer, startBackend } from './start-backend';
import { startBenchIssuer } from './start-bench-issuer';
import { createTokenSupply } from './token-supply';
import { createUserinfoWarmer } from './warm-userinfo-cache';

const builds = namedDirectories(process.argv.slice(2), 'checkout').map(({ name, dir }) => ({
  name,
  checkout: checkoutAt(dir),
}));

const config = loadBenchConfig();
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 8) || 8);
const seconds = Number(process.env.BENCH_SECONDS ?? 3) || 3;
// The concurrency at which the backend peaked in the 11-30 report.
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32) || 32;
const cores = availableParallelism();
const workloads = ['existing', 'new'] as const;
type Sample = { throughput: number; cpuMicrosPerCall: number };
const samples = new Map(
  builds.map((build) => [build.name, { existing: [] as Sample[], new: [] as Sample[] }]),
);

const issuer = await startBenchIssuer();
const databases: ThrowawayDatabase[] = [];
const servers: RunningServer[] = [];
try {
  for (const build of builds) {
    const database = await createThrowawayDatabase('bench_goc_ab', {
      serverUrl: config.adminDatabaseUrl,
    });
    databases.push(database);
    servers.push(
      await startBackend({
        name: `backend ${build.name}`,
        databaseUrl: database.url,
        issuer: issuer.issuer,
        checkout: build.checkout,
      }),
    );
  }
  const existingTokens = Array.from({ length: config.existingUsers }, (_, n) =>
    issuer.sign(existingSub(n)),
  );
  const warm = createUserinfoWarmer(existingTokens, (seconds + 2) * 1000);
  for (const server of servers) await warm(server.origin);
  const supply = createTokenSupply(issuer, (index) => newSub(index));
  supply.ensure(rounds * seconds * 1500);
  const cursors = builds.map(() => supply.cursor());
  const pick = () => existingTokens[Math.floor(Math.random() * existingTokens.length)] as string;

  for (let round = 0; round < rounds; round++) {
    const order = builds.map((build, index) => ({ build, index }));
    if (round % 2 === 1) order.reverse();
    for (const workload of workloads) {
      for (const { build, index } of order) {
        const server = servers[index] as RunningServer;
        if (workload === 'existing') await warm(server.origin);
        const meter = startCpuMeter({ app: [server.service.pgid] }, cores);
        const result = await runClosedLoop({
          origins: [server.origin],
          concurrency,
          seconds,
          nextToken: workload === 'existing' ? pick : (cursors[index]?.next ?? (() => undefined)),
        });
        const cpu = meter.stop();
        if (result.errors > 0) throw new Error(`${build.name}: ${result.errorSamples[0]}`);
        const cpuMicrosPerCall = ((cpu.seconds.app ?? 0) * 1e6) / Math.max(1, result.requests);
        samples
          .get(build.name)
          ?.[workload].push({ throughput: result.throughput, cpuMicrosPerCall });
        progress(
          `round ${round + 1} of ${rounds}, ${workload} users, ${build.name}: ${result.throughput.toFixed(0)} req/s, ${cpuMicrosPerCall.toFixed(0)} µs backend CPU per call (load ${(loadavg()[0] ?? 0).toFixed(1)})`,
        );
      }
    }
  }
} finally {
  await Promise.all(servers.map((server) => server.service.stop()));
  await Promise.all(databases.map((database) => database.drop()));
  await issuer.service.stop();
}

const baseline = builds[0]?.name ?? '';
console.log(
  `\n| workload | build | req/s, median (min–max) | ÷ ${baseline} | backend CPU per call, median µs | ÷ ${baseline} |\n| --- | --- | --- | --- | --- | --- |`,
);
for (const workload of workloads) {
  const base = samples.get(baseline)?.[workload] ?? [];
  const baseRate = median(base.map((s) => s.throughput));
  const baseCpu = median(base.map((s) => s.cpuMicrosPerCall));
  for (const build of builds) {
    const each = samples.get(build.name)?.[workload] ?? [];
    const rates = each.map((s) => s.throughput);
    const rate = median(rates);
    const cpu = median(each.map((s) => s.cpuMicrosPerCall));
    console.log(
      `| ${workload} users | ${build.name} | ${rate.toFixed(0)} (${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}) | ${(rate / baseRate).toFixed(3)}× | ${cpu.toFixed(0)} | ${(cpu / baseCpu).toFixed(3)}× |`,
    );
  }
}
console.log(
  `\nc=${concurrency}, ${seconds} s per point, ${rounds} rounds per build and workload.\ncomplete`,
);
