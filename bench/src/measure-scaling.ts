import { availableParallelism } from 'node:os';
import { createThrowawayDatabase } from '@liverty-music/test-support/throwaway-database';
import type { BenchConfig } from './bench-config';
import { existingSub } from './bench-identity';
import { callEachOnce } from './call-each-once';
import {
  type CpuShares,
  formatCpuShares,
  leastDisturbed,
  startCpuMeter,
  waitForQuietMachine,
} from './measure-cpu';
import { progress } from './progress-log';
import { type LoadResult, runClosedLoop } from './run-closed-loop';
import { type RunningServer, startBackend } from './start-backend';
import type { BenchIssuer } from './start-bench-issuer';

export interface ScalingPoint {
  processes: number;
  result: LoadResult;
  cpu: CpuShares;
}

export interface ScalingResults {
  concurrency: number;
  existingUsers: number;
  points: ScalingPoint[];
}

const MAX_PROCESSES = 3;

/**
 * Item 4: the same existing-users GetOrCreate load spread round-robin over 1, 2 and 3 backend
 * processes on one Postgres. Every process is started up front, so a point differs from the last
 * only in how many of them receive calls.
 */
export async function measureScaling(
  config: BenchConfig,
  issuer: BenchIssuer,
): Promise<ScalingResults> {
  const cores = availableParallelism();
  const database = await createThrowawayDatabase('bench_scaling', {
    serverUrl: config.adminDatabaseUrl,
  });
  const servers: RunningServer[] = [];
  try {
    progress(`scaling: starting ${MAX_PROCESSES} backend processes on one database`);
    for (let index = 0; index < MAX_PROCESSES; index++) {
      servers.push(
        await startBackend({
          name: `backend ${index + 1}`,
          databaseUrl: database.url,
          issuer: issuer.issuer,
        }),
      );
    }
    const tokens = Array.from({ length: config.existingUsers }, (_, n) =>
      issuer.sign(existingSub(n)),
    );
    await callEachOnce((servers[0] as RunningServer).origin, tokens);

    const points: ScalingPoint[] = [];
    for (let processes = 1; processes <= MAX_PROCESSES; processes++) {
      const active = servers.slice(0, processes);
      const attempt = async () => {
        // Each process has its own userinfo cache: fill every one that will take calls.
        for (const server of active) await callEachOnce(server.origin, tokens);
        await waitForQuietMachine(config.quietWaitSeconds);
        const meter = startCpuMeter(
          {
            app: active.map((server) => server.service.pgid),
            issuer: [issuer.service.pgid],
          },
          cores,
        );
        const result = await runClosedLoop({
          origins: active.map((server) => server.origin),
          concurrency: config.scalingConcurrency,
          seconds: config.seconds,
          nextToken: () => tokens[Math.floor(Math.random() * tokens.length)],
        });
        return { result, cpu: meter.stop() };
      };
      const { result, cpu } = await leastDisturbed(attempt, config.retries, (first) =>
        progress(`  ${processes} process(es) again: other work took ${formatCpuShares(first.cpu)}`),
      );
      points.push({ processes, result, cpu });
      progress(
        `  ${processes} process${processes > 1 ? 'es' : ''}: ${result.throughput.toFixed(0)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms${result.errors ? `  ${result.errors} errors` : ''}  [cpu ${formatCpuShares(cpu)}]`,
      );
    }
    return {
      concurrency: config.scalingConcurrency,
      existingUsers: config.existingUsers,
      points,
    };
  } finally {
    await Promise.all(servers.map((server) => server.service.stop()));
    await database.drop();
  }
}
