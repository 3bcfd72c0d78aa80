import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchConfig } from './bench-config';
import { callEachOnce } from './call-each-once';
import { type CpuShares, startCpuMeter, waitForQuietMachine } from './measure-cpu';
import { progress } from './progress-log';
import { type LoadResult, runClosedLoop } from './run-closed-loop';
import { type RunningServer, startBackend } from './start-backend';
import type { BenchIssuer } from './start-bench-issuer';
import { monotonicMicros, type ProfileShare, summarizeCpuProfile } from './summarize-cpu-profile';

export interface GetOrCreateProfile {
  concurrency: number;
  result: LoadResult;
  cpu: CpuShares;
  shares: ProfileShare[];
}

/**
 * Runs the backend again under --cpu-prof at its best concurrency and reports where its main
 * thread went. Undefined when profiling fails: the figures without it still stand.
 */
export async function profileGetOrCreate(options: {
  config: BenchConfig;
  issuer: BenchIssuer;
  databaseUrl: string;
  concurrency: number;
  existingTokens: string[];
  nextToken: () => string;
  /** Started servers, for the caller to stop. */
  servers: RunningServer[];
}): Promise<GetOrCreateProfile | undefined> {
  const { config, issuer, concurrency } = options;
  progress(`GetOrCreate: CPU profile of the backend, existing users, c=${concurrency}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
  try {
    const profiled = await startBackend({
      name: 'profiled backend',
      databaseUrl: options.databaseUrl,
      issuer: issuer.issuer,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    });
    options.servers.push(profiled);
    await callEachOnce(profiled.origin, options.existingTokens);
    await waitForQuietMachine(config.quietWaitSeconds);
    const meter = startCpuMeter(
      { app: [profiled.service.pgid], issuer: [issuer.service.pgid] },
      availableParallelism(),
    );
    const startUs = monotonicMicros();
    const result = await runClosedLoop({
      origins: [profiled.origin],
      concurrency,
      seconds: config.seconds,
      nextToken: options.nextToken,
    });
    const window = { startUs, endUs: monotonicMicros() };
    const cpu = meter.stop();
    await profiled.service.stop();
    const profile = { concurrency, result, cpu, shares: summarizeCpuProfile(dir, window) };
    progress(
      `  ${profile.shares
        .slice(0, 6)
        .map((entry) => `${entry.category} ${(entry.share * 100).toFixed(0)}%`)
        .join(' · ')}`,
    );
    return profile;
  } catch (error) {
    progress(`  profile failed: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
