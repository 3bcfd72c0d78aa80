import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchConfig } from './bench-config';
import { callEachOnce } from './call-each-once';
import { type CpuShares, startCpuMeter, waitForQuietMachine } from './measure-cpu';
import { progress } from './progress-log';
import { type LoadResult, runClosedLoop } from './run-closed-loop';
import { type RunningServer, startBackend, startPeer } from './start-backend';
import type { BenchIssuer } from './start-bench-issuer';
import { monotonicMicros, type ProfileShare, summarizeCpuProfile } from './summarize-cpu-profile';

/** One server's main thread under load, by category. */
export interface ProfiledRun {
  result: LoadResult;
  cpu: CpuShares;
  shares: ProfileShare[];
}

export interface GetOrCreateProfile extends ProfiledRun {
  concurrency: number;
  /** The no-op handler under the same load: what the stack costs before any of our code. */
  noop?: ProfiledRun;
}

interface ProfileOptions {
  config: BenchConfig;
  issuer: BenchIssuer;
  databaseUrl: string;
  concurrency: number;
  existingTokens: string[];
  nextToken: () => string;
  /** Started servers, for the caller to stop. */
  servers: RunningServer[];
}

async function profileOne(
  options: ProfileOptions,
  start: (nodeArgs: string[]) => Promise<RunningServer>,
): Promise<ProfiledRun> {
  const { config, issuer } = options;
  const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
  try {
    const server = await start(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    options.servers.push(server);
    await callEachOnce(server.origin, options.existingTokens);
    await waitForQuietMachine(config.quietWaitSeconds);
    const meter = startCpuMeter(
      { app: [server.service.pgid], issuer: [issuer.service.pgid] },
      availableParallelism(),
    );
    const startUs = monotonicMicros();
    const result = await runClosedLoop({
      origins: [server.origin],
      concurrency: options.concurrency,
      seconds: config.seconds,
      nextToken: options.nextToken,
    });
    const window = { startUs, endUs: monotonicMicros() };
    const cpu = meter.stop();
    // The profile is written when the process exits.
    await server.service.stop();
    return { result, cpu, shares: summarizeCpuProfile(dir, window) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the backend, then the no-op handler, under --cpu-prof at the backend's best concurrency,
 * and reports where each main thread went: the difference is what our own code costs. Undefined
 * when profiling fails: the figures without it still stand.
 */
export async function profileGetOrCreate(
  options: ProfileOptions,
): Promise<GetOrCreateProfile | undefined> {
  const { issuer, concurrency } = options;
  progress(
    `GetOrCreate: CPU profiles of the backend and the no-op, existing users, c=${concurrency}`,
  );
  try {
    const backend = await profileOne(options, (nodeArgs) =>
      startBackend({
        name: 'profiled backend',
        databaseUrl: options.databaseUrl,
        issuer: issuer.issuer,
        nodeArgs,
      }),
    );
    const noop = await profileOne(options, (nodeArgs) =>
      startPeer({ peer: 'noop', issuer: issuer.issuer, nodeArgs }),
    ).catch((error: unknown) => {
      progress(`  no-op profile failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    const perCall = (run: ProfiledRun) =>
      run.shares.reduce((sum, entry) => sum + entry.micros, 0) / Math.max(1, run.result.requests);
    progress(
      `  main thread per call: backend ${perCall(backend).toFixed(0)} µs${noop ? `, no-op ${perCall(noop).toFixed(0)} µs` : ''}; backend: ${backend.shares
        .slice(0, 6)
        .map((entry) => `${entry.category} ${(entry.share * 100).toFixed(0)}%`)
        .join(' · ')}`,
    );
    return { concurrency, ...backend, ...(noop ? { noop } : {}) };
  } catch (error) {
    progress(`  profile failed: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
