import { availableParallelism } from 'node:os';
import {
  createThrowawayDatabase,
  type ThrowawayDatabase,
} from '@liverty-music/test-support/throwaway-database';
import type { BenchConfig } from './bench-config';
import { existingSub, newSub } from './bench-identity';
import { captureUpsertStatement, toPgbenchSql } from './capture-upsert-sql';
import { createCheckpointCounter } from './count-checkpoints';
import {
  type CpuShares,
  formatCpuShares,
  leastDisturbed,
  startCpuMeter,
  waitForQuietMachine,
} from './measure-cpu';
import { createPgbenchWorkload, seedPgbenchDatabase } from './pgbench-workload';
import { type GetOrCreateProfile, profileGetOrCreate } from './profile-get-or-create';
import { progress } from './progress-log';
import { type LoadResult, runClosedLoop } from './run-closed-loop';
import { type DuplicateCallsResult, measureDuplicateCalls } from './run-duplicate-calls';
import { runOpenLoop } from './run-open-loop';
import { runPgbench, unlessPostgresIsFull } from './run-pgbench';
import { type RunningServer, startBackend, startPeer } from './start-backend';
import type { BenchIssuer } from './start-bench-issuer';
import { createTokenSupply } from './token-supply';
import { createUserinfoWarmer } from './warm-userinfo-cache';

export type Implementation = 'real' | 'pgbench' | 'noop' | 'naive';
export type Workload = 'existing' | 'new';

export interface LoadPoint {
  implementation: Implementation;
  workload: Workload;
  concurrency: number;
  result: LoadResult;
  cpu: CpuShares;
  /** Postgres checkpoints that ran during the point. */
  checkpoints: number;
}

export interface OpenLoopPoint {
  implementation: 'real' | 'noop' | 'pgbench';
  workload: Workload;
  rate: number;
  result: LoadResult;
  cpu: CpuShares;
  checkpoints: number;
}

export type { DuplicateCallsResult, GetOrCreateProfile };

export interface GetOrCreateResults {
  existingUsers: number;
  points: LoadPoint[];
  halfMax: OpenLoopPoint[];
  duplicates: DuplicateCallsResult[];
  profile?: GetOrCreateProfile;
  /** The statement the pgbench baseline ran, as captured from provision-from-token.ts. */
  upsertSql: string;
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/** The highest-throughput closed-loop point of one implementation and workload. */
export function bestPoint(
  points: LoadPoint[],
  implementation: Implementation,
  workload: Workload,
): LoadPoint | undefined {
  return points
    .filter((point) => point.implementation === implementation && point.workload === workload)
    .sort((a, b) => b.result.throughput - a.result.throughput)[0];
}

/** Item 1 of the issue: GetOrCreate against pgbench, a no-op handler and a naive implementation. */
export async function measureGetOrCreate(
  config: BenchConfig,
  issuer: BenchIssuer,
): Promise<GetOrCreateResults> {
  const cores = availableParallelism();
  const statement = await captureUpsertStatement();
  const upsertSql = toPgbenchSql(statement);
  const databases: ThrowawayDatabase[] = [];
  const servers: RunningServer[] = [];
  const points: LoadPoint[] = [];
  const seconds = config.seconds;
  const checkpointCounter = createCheckpointCounter(config.adminDatabaseUrl);
  const withCheckpoints =
    <T>(attempt: () => Promise<T>) =>
    async (): Promise<T & { checkpoints: number }> => {
      const before = await checkpointCounter.read();
      const measured = await attempt();
      return { ...measured, checkpoints: (await checkpointCounter.read()) - before };
    };

  try {
    const [realDb, naiveDb, pgbenchDb] = await Promise.all(
      (['real', 'naive', 'pgbench'] as const).map((label) =>
        createThrowawayDatabase(`bench_${label}`, { serverUrl: config.adminDatabaseUrl }),
      ),
    );
    if (!realDb || !naiveDb || !pgbenchDb) throw new Error('databases were not created');
    databases.push(realDb, naiveDb, pgbenchDb);

    progress('GetOrCreate: starting the backend, the no-op and naive peers; seeding pgbench');
    const [real, naive, noop] = await Promise.all([
      startBackend({ name: 'backend', databaseUrl: realDb.url, issuer: issuer.issuer }),
      startPeer({ peer: 'naive', databaseUrl: naiveDb.url, issuer: issuer.issuer }),
      startPeer({ peer: 'noop', issuer: issuer.issuer }),
    ]);
    if (!real || !naive || !noop) throw new Error('servers were not started');
    servers.push(real, naive, noop);
    await seedPgbenchDatabase(pgbenchDb.url, statement, config.existingUsers);

    const existingTokens = Array.from({ length: config.existingUsers }, (_, n) =>
      issuer.sign(existingSub(n)),
    );
    progress(`GetOrCreate: provisioning ${config.existingUsers} existing users (real, naive)`);
    const pointMs = (seconds + config.quietWaitSeconds) * (1 + config.retries) * 1000 + 2000;
    const warm = createUserinfoWarmer(existingTokens, pointMs);
    await Promise.all([warm(real.origin), warm(naive.origin), warm(noop.origin)]);

    const serverOf = { real, naive, noop } as const;
    const pgbench = createPgbenchWorkload(upsertSql, config.existingUsers);

    const measure = async (
      implementation: Implementation,
      workload: Workload,
      concurrency: number,
      nextToken: () => string | undefined,
    ) => {
      const label = `${workload} users, c=${concurrency}, ${implementation}`;
      const attempt = async (): Promise<{ result: LoadResult; cpu: CpuShares }> => {
        if (implementation === 'pgbench') {
          await waitForQuietMachine(config.quietWaitSeconds);
          const meter = startCpuMeter({ issuer: [issuer.service.pgid] }, cores);
          const result = await runPgbench({
            databaseUrl: pgbenchDb.url,
            concurrency,
            seconds,
            script: pgbench.script(workload),
            define: pgbench.define(workload),
          });
          return { result, cpu: meter.stop() };
        }
        const server = serverOf[implementation];
        // The userinfo cache lives 30 s: refresh it (and the JIT) before existing-users runs.
        if (workload === 'existing' && implementation !== 'noop') await warm(server.origin);
        await waitForQuietMachine(config.quietWaitSeconds);
        const meter = startCpuMeter(
          { app: [server.service.pgid], issuer: [issuer.service.pgid] },
          cores,
        );
        const result = await runClosedLoop({
          origins: [server.origin],
          concurrency,
          seconds,
          nextToken,
        });
        return { result, cpu: meter.stop() };
      };
      const measured = await unlessPostgresIsFull(label, () =>
        leastDisturbed(withCheckpoints(attempt), config.retries, (first) =>
          progress(`  ${label.padEnd(36)} again: other work took ${formatCpuShares(first.cpu)}`),
        ),
      );
      if (!measured) return;
      const { result, cpu, checkpoints } = measured;
      points.push({ implementation, workload, concurrency, result, cpu, checkpoints });
      progress(
        `  ${label.padEnd(36)} ${result.throughput.toFixed(0).padStart(6)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms${result.errors ? `  ${result.errors} errors: ${result.errorSamples[0]}` : ''}  [cpu ${formatCpuShares(cpu)}]${checkpoints ? `  ${checkpoints} checkpoint(s)` : ''}`,
      );
    };

    progress(`GetOrCreate: existing users, ${seconds} s per point`);
    const randomExisting = () => pick(existingTokens);
    for (const concurrency of config.concurrencies) {
      for (const implementation of ['real', 'naive', 'noop', 'pgbench'] as const) {
        await measure(implementation, 'existing', concurrency, randomExisting);
      }
    }

    // Sign enough never-seen users up front for the fastest peer (the no-op bounds everyone).
    const supply = createTokenSupply(issuer, (index) => newSub(index));
    const bestExisting = Math.max(
      ...points
        .filter((point) => point.implementation !== 'noop' && point.implementation !== 'pgbench')
        .map((point) => point.result.throughput),
    );
    const estimate = Math.ceil(bestExisting * 1.5 * seconds * config.concurrencies.length) + 1000;
    progress(`GetOrCreate: signing ${estimate} tokens for never-seen users`);
    supply.ensure(estimate);

    progress(`GetOrCreate: new users, ${seconds} s per point`);
    const cursors = { real: supply.cursor(), naive: supply.cursor() };
    for (const concurrency of config.concurrencies) {
      for (const implementation of ['real', 'naive', 'pgbench'] as const) {
        const next = implementation === 'pgbench' ? () => undefined : cursors[implementation].next;
        await measure(implementation, 'new', concurrency, next);
      }
    }

    // Open loop at half the backend's best rate; the no-op handler and pgbench (-R) at the very
    // same rate show how much of the tail the machine itself adds.
    const halfMax: OpenLoopPoint[] = [];
    for (const workload of ['existing', 'new'] as const) {
      const rate = Math.max(
        1,
        Math.round((bestPoint(points, 'real', workload)?.result.throughput ?? 2) / 2),
      );
      const connections = Math.max(...config.concurrencies);
      for (const implementation of ['real', 'noop', 'pgbench'] as const) {
        const attempt = async (): Promise<{ result: LoadResult; cpu: CpuShares }> => {
          if (implementation === 'pgbench') {
            await waitForQuietMachine(config.quietWaitSeconds);
            const meter = startCpuMeter({ issuer: [issuer.service.pgid] }, cores);
            const result = await runPgbench({
              databaseUrl: pgbenchDb.url,
              concurrency: connections,
              seconds,
              script: pgbench.script(workload),
              define: pgbench.define(workload),
              rate,
            });
            return { result, cpu: meter.stop() };
          }
          const server = serverOf[implementation];
          if (workload === 'existing' && implementation === 'real') await warm(server.origin);
          await waitForQuietMachine(config.quietWaitSeconds);
          const meter = startCpuMeter(
            { app: [server.service.pgid], issuer: [issuer.service.pgid] },
            cores,
          );
          const result = await runOpenLoop({
            origin: server.origin,
            rate,
            seconds,
            connections,
            nextToken: workload === 'existing' ? randomExisting : cursors.real.next,
          });
          return { result, cpu: meter.stop() };
        };
        const label = `open loop, ${workload} users, ${implementation}`;
        const measured = await unlessPostgresIsFull(label, () =>
          leastDisturbed(withCheckpoints(attempt), config.retries, (first) =>
            progress(`  ${label} again: other work took ${formatCpuShares(first.cpu)}`),
          ),
        );
        if (!measured) continue;
        const { result, cpu, checkpoints } = measured;
        halfMax.push({ implementation, workload, rate, result, cpu, checkpoints });
        progress(
          `  open loop ${rate} req/s (half the backend's best), ${workload} users, ${implementation}: p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  max ${result.max.toFixed(1)} ms${result.errors ? `  ${result.errors} errors` : ''}  [cpu ${formatCpuShares(cpu)}]${checkpoints ? `  ${checkpoints} checkpoint(s)` : ''}`,
        );
      }
    }

    const duplicates = await measureDuplicateCalls(issuer, {
      real: { server: real, databaseUrl: realDb.url },
      naive: { server: naive, databaseUrl: naiveDb.url },
    });

    let profile: GetOrCreateProfile | undefined;
    if (config.profile) {
      await real.service.stop();
      profile = await profileGetOrCreate({
        config,
        issuer,
        databaseUrl: realDb.url,
        concurrency: bestPoint(points, 'real', 'existing')?.concurrency ?? 32,
        existingTokens,
        nextToken: randomExisting,
        servers,
      });
    }

    return {
      existingUsers: config.existingUsers,
      points,
      halfMax,
      duplicates,
      profile,
      upsertSql,
    };
  } finally {
    await checkpointCounter.close();
    await Promise.all(servers.map((server) => server.service.stop()));
    await Promise.all(databases.map((database) => database.drop()));
  }
}
