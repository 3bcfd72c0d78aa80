// `npm run bench`: measures the product against same-run baselines, prints the tables and writes
// docs/benchmarks.md (and docs/scaling.md). Not part of `npm test`: it takes minutes and its
// figures are reported, not asserted. Knobs: see bench-config.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBenchConfig, ROOT_DIR, SECTIONS, type Section } from './bench-config';
import { describeMachine } from './describe-machine';
import { measureBackfill } from './measure-backfill';
import { measureEnricher } from './measure-enricher';
import { measureGetOrCreate } from './measure-get-or-create';
import { measureInitialJs } from './measure-initial-js';
import { measureScaling } from './measure-scaling';
import { measureSignupTime } from './measure-signup-time';
import { measureSweep } from './measure-sweep';
import { progress } from './progress-log';
import { renderEnricherReport } from './reports/enricher';
import { renderSweepReport } from './reports/sweep';
import { type BenchIssuer, startBenchIssuer } from './start-bench-issuer';
import {
  type BenchResults,
  renderBenchmarks,
  renderConsoleSummary,
  renderScaling,
} from './write-reports';

const config = loadBenchConfig();
const started = performance.now();
progress(
  `npm run bench: ${config.sections.join(', ')}; ${config.seconds} s per load point (BENCH_SECONDS)`,
);
const machine = await describeMachine(config.adminDatabaseUrl);
progress(
  `machine: ${machine.cpuModel}, ${machine.cpus} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, Postgres ${machine.postgres}, load average ${machine.loadAverageAtStart}`,
);

const results: BenchResults = { config, machine, failures: {}, totalSeconds: 0 };
const wants = (section: Section) => config.sections.includes(section);
let issuer: BenchIssuer | undefined;

// A section that fails is reported and the others still run: one broken figure should not hide
// the rest.
async function run(section: Section, measure: () => Promise<void>) {
  if (!wants(section)) return;
  try {
    await measure();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    results.failures[section] = message;
    progress(`${section} failed: ${message}`);
  }
}

try {
  if (wants('get-or-create') || wants('scaling') || wants('enricher'))
    issuer = await startBenchIssuer();
  await run('get-or-create', async () => {
    results.getOrCreate = await measureGetOrCreate(config, issuer as BenchIssuer);
  });
  await run('enricher', async () => {
    // Its own report (docs/enricher.md): the token path is a separate concern from GetOrCreate.
    const enricher = await measureEnricher(config, issuer as BenchIssuer);
    const report = renderEnricherReport(enricher, results.machine);
    writeFileSync(join(ROOT_DIR, 'docs', 'enricher.md'), report.markdown);
    process.stdout.write(report.console);
    progress('wrote docs/enricher.md');
  });
  await run('frontend', async () => {
    results.initialJs = await measureInitialJs();
  });
  await run('backfill', async () => {
    results.backfill = await measureBackfill(config);
  });
  await run('browser', async () => {
    results.signup = await measureSignupTime(config);
  });
  await run('scaling', async () => {
    results.scaling = await measureScaling(config, issuer as BenchIssuer);
  });
  await run('sweep', async () => {
    // Its own report (docs/sweep.md), so `BENCH_ONLY=sweep npm run bench` refreshes it alone.
    const report = renderSweepReport(await measureSweep(config), results.machine);
    writeFileSync(join(ROOT_DIR, 'docs', 'sweep.md'), report.markdown);
    process.stdout.write(report.console);
    progress('wrote docs/sweep.md');
  });
} finally {
  await issuer?.service.stop();
}

results.totalSeconds = (performance.now() - started) / 1000;
process.stdout.write(renderConsoleSummary(results));

// A partial run (BENCH_ONLY) must not overwrite the full report with fewer sections.
if (config.sections.length === SECTIONS.length) {
  writeFileSync(join(ROOT_DIR, 'docs', 'benchmarks.md'), renderBenchmarks(results));
  progress('wrote docs/benchmarks.md');
} else {
  progress('BENCH_ONLY is set: docs/benchmarks.md left as it was');
}
if (results.scaling) {
  writeFileSync(join(ROOT_DIR, 'docs', 'scaling.md'), renderScaling(results));
  progress('wrote docs/scaling.md');
}
progress(`done in ${(results.totalSeconds / 60).toFixed(1)} min`);
process.exitCode = Object.keys(results.failures).length > 0 ? 1 : 0;
