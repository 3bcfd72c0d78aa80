import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@liverty-music/backend';
import postgres from 'postgres';
import { Pool } from 'undici';
import type { BenchConfig } from './bench-config';
import { existingSub, newSub, PGBENCH_NEW_BASE } from './bench-identity';
import { callEachOnce } from './call-each-once';
import {
  type CapturedStatement,
  captureUpsertStatement,
  parametersFor,
  toPgbenchSql,
} from './capture-upsert-sql';
import { createCheckpointCounter } from './count-checkpoints';
import { type BenchDatabase, createBenchDatabase } from './create-bench-database';
import { getOrCreateRequest } from './get-or-create-request';
import {
  type CpuShares,
  formatCpuShares,
  leastDisturbed,
  startCpuMeter,
  waitForQuietMachine,
} from './measure-cpu';
import { progress } from './progress-log';
import { type LoadResult, runClosedLoop } from './run-closed-loop';
import { runOpenLoop } from './run-open-loop';
import { runPgbench } from './run-pgbench';
import { type RunningServer, startBackend, startPeer } from './start-backend';
import type { BenchIssuer } from './start-bench-issuer';
import { monotonicMicros, type ProfileShare, summarizeCpuProfile } from './summarize-cpu-profile';
import { TokenSupply } from './token-supply';

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

/** N calls at once for each never-seen user: a double-mounted effect, a retry, two tabs. */
export interface DuplicateCallsResult {
  implementation: 'real' | 'naive';
  users: number;
  callsPerUser: number;
  failed: number;
  uniqueViolations: number;
  /** Calls answered `created: true`; exactly one per user is right. */
  createdTrue: number;
  /** Rows in `users` for those ids afterwards; exactly one per user is right. */
  rows: number;
}

export interface GetOrCreateProfile {
  concurrency: number;
  result: LoadResult;
  cpu: CpuShares;
  shares: ProfileShare[];
}

export interface GetOrCreateResults {
  existingUsers: number;
  points: LoadPoint[];
  halfMax: OpenLoopPoint[];
  duplicates: DuplicateCallsResult[];
  profile?: GetOrCreateProfile;
  /** The statement the pgbench baseline ran, as captured from provision-from-token.ts. */
  upsertSql: string;
}

const DUPLICATE_USERS = 400;
const DUPLICATE_CALLS_PER_USER = 4;
// Never-seen ids for the duplicate-calls check start here, far beyond what a load run consumes.
const DUPLICATE_OFFSET = 50_000_000;

function existingUsersScript(sql: string, users: number): string {
  return `\\set sub ${existingSub(0)} + random(0, ${users - 1})\n${sql}\n`;
}

// pgbench keeps each client's variables across transactions: `n` counts that client's calls, so
// base + client × 10^10 + n never repeats within a run, and each run gets its own base.
function newUsersScript(sql: string): string {
  return `\\set n :n + 1\n\\set sub :base + :client_id * 10000000000 + :n\n${sql}\n`;
}

async function seedPgbenchDatabase(url: string, statement: CapturedStatement, users: number) {
  const database = await openDatabase({ url, pgliteDir: 'memory://' });
  await database.migrate();
  await database.close();
  const sql = postgres(url, { max: 8, onnotice: () => {} });
  try {
    for (let start = 0; start < users; start += 200) {
      const batch = Array.from({ length: Math.min(200, users - start) }, (_, i) => start + i);
      await Promise.all(
        batch.map((n) =>
          sql.unsafe(
            statement.text,
            parametersFor(statement, existingSub(n)) as postgres.ParameterOrJSON<never>[],
          ),
        ),
      );
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function runDuplicateCalls(
  implementation: 'real' | 'naive',
  server: RunningServer,
  databaseUrl: string,
  tokens: string[],
): Promise<DuplicateCallsResult> {
  const pool = new Pool(server.origin, { connections: 32, pipelining: 1 });
  let failed = 0;
  let createdTrue = 0;
  const usersPerWave = 8;
  try {
    for (let start = 0; start < tokens.length; start += usersPerWave) {
      const wave = tokens
        .slice(start, start + usersPerWave)
        .flatMap((token) => Array.from({ length: DUPLICATE_CALLS_PER_USER }, () => token));
      await Promise.all(
        wave.map(async (token) => {
          const response = await pool.request(getOrCreateRequest(token));
          const body = await response.body.text();
          if (response.statusCode !== 200) failed++;
          else if ((JSON.parse(body) as { created?: boolean }).created === true) createdTrue++;
        }),
      );
    }
  } finally {
    await pool.close();
  }
  const stats =
    implementation === 'naive'
      ? ((await (await fetch(`${server.origin}/stats`)).json()) as { uniqueViolations: number })
      : { uniqueViolations: 0 };
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ rows: number }[]>`
      select count(*)::int as rows from users
      where zitadel_user_id = any(${tokens.map((_, i) => newSub(DUPLICATE_OFFSET + i))})`;
    return {
      implementation,
      users: tokens.length,
      callsPerUser: DUPLICATE_CALLS_PER_USER,
      failed,
      uniqueViolations: stats.uniqueViolations,
      createdTrue,
      rows: row?.rows ?? 0,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
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
  const databases: BenchDatabase[] = [];
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
        createBenchDatabase(config.adminDatabaseUrl, label),
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
    // Userinfo entries live 30 s from when they were fetched. A pass over every token refills
    // them; skip it when the last pass is recent enough to outlast the next run.
    const warmedAt = new Map<string, number>();
    const warm = async (origin: string) => {
      const last = warmedAt.get(origin);
      if (
        last !== undefined &&
        performance.now() - last < (25 - seconds - config.quietWaitSeconds) * 1000
      )
        return;
      const startedAt = performance.now();
      await callEachOnce(origin, existingTokens);
      warmedAt.set(origin, startedAt);
    };
    await Promise.all([warm(real.origin), warm(naive.origin), warm(noop.origin)]);

    const serverOf = { real, naive, noop } as const;
    // Each new-users pgbench run gets its own id range.
    let pgbenchRun = 0;
    const pgbenchScript = (workload: Workload) =>
      workload === 'existing'
        ? existingUsersScript(upsertSql, config.existingUsers)
        : newUsersScript(upsertSql);
    const pgbenchDefine = (workload: Workload): Record<string, string> =>
      workload === 'new'
        ? { n: '0', base: String(PGBENCH_NEW_BASE + BigInt(++pgbenchRun) * 10n ** 14n) }
        : {};

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
            script: pgbenchScript(workload),
            define: pgbenchDefine(workload),
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
      const { result, cpu, checkpoints } = await leastDisturbed(
        withCheckpoints(attempt),
        config.retries,
        (first) =>
          progress(`  ${label.padEnd(36)} again: other work took ${formatCpuShares(first.cpu)}`),
      );
      points.push({ implementation, workload, concurrency, result, cpu, checkpoints });
      progress(
        `  ${label.padEnd(36)} ${result.throughput.toFixed(0).padStart(6)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms${result.errors ? `  ${result.errors} errors: ${result.errorSamples[0]}` : ''}  [cpu ${formatCpuShares(cpu)}]${checkpoints ? `  ${checkpoints} checkpoint(s)` : ''}`,
      );
      return result;
    };

    progress(`GetOrCreate: existing users, ${seconds} s per point`);
    const randomExisting = () => pick(existingTokens);
    for (const concurrency of config.concurrencies) {
      for (const implementation of ['real', 'naive', 'noop', 'pgbench'] as const) {
        await measure(implementation, 'existing', concurrency, randomExisting);
      }
    }

    // Sign enough never-seen users up front for the fastest peer (the no-op bounds everyone).
    const supply = new TokenSupply(issuer, (index) => newSub(index));
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
              script: pgbenchScript(workload),
              define: pgbenchDefine(workload),
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
        const { result, cpu, checkpoints } = await leastDisturbed(
          withCheckpoints(attempt),
          config.retries,
          (first) =>
            progress(
              `  open loop, ${workload} users, ${implementation} again: other work took ${formatCpuShares(first.cpu)}`,
            ),
        );
        halfMax.push({ implementation, workload, rate, result, cpu, checkpoints });
        progress(
          `  open loop ${rate} req/s (half the backend's best), ${workload} users, ${implementation}: p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  max ${result.max.toFixed(1)} ms${result.errors ? `  ${result.errors} errors` : ''}  [cpu ${formatCpuShares(cpu)}]${checkpoints ? `  ${checkpoints} checkpoint(s)` : ''}`,
        );
      }
    }

    progress(
      `GetOrCreate: ${DUPLICATE_USERS} never-seen users × ${DUPLICATE_CALLS_PER_USER} simultaneous calls`,
    );
    const duplicateTokens = Array.from({ length: DUPLICATE_USERS }, (_, i) =>
      issuer.sign(newSub(DUPLICATE_OFFSET + i)),
    );
    const duplicates = [
      await runDuplicateCalls('real', real, realDb.url, duplicateTokens),
      await runDuplicateCalls('naive', naive, naiveDb.url, duplicateTokens),
    ];
    for (const outcome of duplicates) {
      progress(
        `  ${outcome.implementation}: ${outcome.rows} rows, ${outcome.createdTrue} × created, ${outcome.failed} failed calls, ${outcome.uniqueViolations} unique violations`,
      );
    }

    let profile: GetOrCreateProfile | undefined;
    if (config.profile) {
      const best = points
        .filter((point) => point.implementation === 'real' && point.workload === 'existing')
        .sort((a, b) => b.result.throughput - a.result.throughput)[0];
      const concurrency = best?.concurrency ?? 32;
      progress(`GetOrCreate: CPU profile of the backend, existing users, c=${concurrency}`);
      await real.service.stop();
      const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
      try {
        const profiled = await startBackend({
          name: 'profiled backend',
          databaseUrl: realDb.url,
          issuer: issuer.issuer,
          nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
        });
        servers.push(profiled);
        await callEachOnce(profiled.origin, existingTokens);
        await waitForQuietMachine(config.quietWaitSeconds);
        const meter = startCpuMeter(
          { app: [profiled.service.pgid], issuer: [issuer.service.pgid] },
          cores,
        );
        const startUs = monotonicMicros();
        const result = await runClosedLoop({
          origins: [profiled.origin],
          concurrency,
          seconds,
          nextToken: randomExisting,
        });
        const window = { startUs, endUs: monotonicMicros() };
        const cpu = meter.stop();
        await profiled.service.stop();
        profile = { concurrency, result, cpu, shares: summarizeCpuProfile(dir, window) };
        progress(
          `  ${profile.shares
            .slice(0, 6)
            .map((entry) => `${entry.category} ${(entry.share * 100).toFixed(0)}%`)
            .join(' · ')}`,
        );
      } catch (error) {
        progress(`  profile failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
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
