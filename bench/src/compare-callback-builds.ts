// Same-run A/B of frontend builds on the signup path: `npx tsx bench/src/compare-callback-builds.ts
// main=/tmp/main-dist branch=frontend/dist` (each a `vite build` output directory, copied aside
// first). One stack serves them in turn (vite preview reads its directory on every request), and
// the builds alternate signup by signup, warm and cold, so the machine's load hits all alike. On a
// shared machine, two runs minutes apart differ more than most optimisations do.
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@liverty-music/test-support/free-port';
import { createThrowawayDatabase } from '@liverty-music/test-support/throwaway-database';
import { chromium } from 'playwright-core';
import {
  formatSignupBreakdown,
  median,
  type SignupTiming,
  summarizeSignupTimings,
} from '../../scripts/signup-timing';
import { ROOT, startStack } from '../../scripts/stack';
import { loadBenchConfig } from './bench-config';
import { namedDirectories } from './named-directories';
import { progress } from './progress-log';
import {
  type CacheState,
  CHROMIUM_ARGS,
  type SignupSample,
  signUpInBrowser,
} from './sign-up-in-browser';

const builds = namedDirectories(process.argv.slice(2), 'directory');

// The stack builds the worktree's frontend into this directory; copy the builds aside first.
const served = join(ROOT, 'frontend', 'dist');
const serve = (dir: string) => {
  for (const entry of readdirSync(served)) rmSync(join(served, entry), { recursive: true });
  cpSync(dir, served, { recursive: true });
};

const config = loadBenchConfig();
const database = await createThrowawayDatabase('bench_ab', { serverUrl: config.adminDatabaseUrl });
const dataDir = mkdtempSync(join(tmpdir(), 'bench-ab-'));
const samples = new Map(builds.map((build) => [build.name, [] as SignupSample[]]));
const load: number[] = [];
try {
  const stack = await startStack({
    dataDir,
    idpPort: await freePort(),
    apiPort: await freePort(),
    webPort: await freePort(),
    databaseUrl: database.url,
    web: 'preview',
    webhook: false,
    reconciler: false,
    logLevel: 'warn',
  });
  const browser = await chromium
    .launch({ executablePath: config.chromiumPath, args: CHROMIUM_ARGS, headless: true })
    .catch(async (error: unknown) => {
      // No browser (say, none at CHROMIUM_PATH): the stack would otherwise outlive this process.
      await stack.stop();
      throw error;
    });
  try {
    // One unmeasured signup warms the backend's issuer discovery and keys.
    serve(builds[0]?.dir ?? '');
    await signUpInBrowser(browser, stack, 'warm', 'w');
    for (let round = 0; round < config.signups; round++) {
      // Alternate the order too: no build always follows the same one.
      const order = round % 2 === 0 ? builds : [...builds].reverse();
      for (const cache of ['cold', 'warm'] as CacheState[]) {
        for (const build of order) {
          serve(build.dir);
          load.push(loadavg()[0] ?? Number.NaN);
          const sample = await signUpInBrowser(browser, stack, cache, `${round}${build.name}`);
          samples.get(build.name)?.push(sample);
        }
      }
      progress(`round ${round + 1} of ${config.signups}, load average ${loadavg()[0]?.toFixed(1)}`);
    }
  } finally {
    await browser.close();
    await stack.stop();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  await database.drop();
}

const floor = (t: SignupTiming) =>
  t.token.end - t.token.start + (t.getOrCreate.end - t.getOrCreate.start);
const f = (x: number) => x.toFixed(0);
const rows = [
  "| build | cache | app's share median (min–max) | floor: token + GetOrCreate | ÷ floor | share − floor, per signup | first byte → token request | token's answer → GetOrCreate | GetOrCreate's answer → ready |",
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const build of builds) {
  for (const cache of ['warm', 'cold'] as CacheState[]) {
    const timings = (samples.get(build.name) ?? [])
      .filter((s) => s.cache === cache)
      .map((s) => s.timing);
    const share = summarizeSignupTimings(timings).appShare;
    const floorMs = median(timings.map(floor));
    // The app's own part of each signup: less noisy than the share when the servers' times swing.
    const own = median(timings.map((t) => t.appShare - floor(t)));
    // The app's three stretches on the path, each a median over the signups.
    const start = median(timings.map((t) => t.token.start));
    const handOver = median(timings.map((t) => t.getOrCreate.start - t.token.end));
    const render = median(timings.map((t) => t.render.end - t.render.start));
    rows.push(
      `| ${build.name} | ${cache} | ${f(share.median)} (${f(share.min)}–${f(share.max)}) | ${f(floorMs)} | ${(share.median / floorMs).toFixed(2)}× | ${f(own)} | ${f(start)} | ${f(handOver)} | ${f(render)} |`,
    );
  }
}
console.log(
  `\n${rows.join('\n')}\n\nload average (1 min) during the run: median ${median(load).toFixed(1)}, ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}; ${config.signups} signups per build and cache\n`,
);
for (const build of builds) {
  const cold = (samples.get(build.name) ?? [])
    .filter((s) => s.cache === 'cold')
    .map((s) => s.timing);
  console.log(
    `### ${build.name}, cold cache\n\n${formatSignupBreakdown(summarizeSignupTimings(cold))}\n`,
  );
}
console.log('complete');
