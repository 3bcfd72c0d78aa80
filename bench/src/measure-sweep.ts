import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import {
  createThrowawayDatabase,
  type ThrowawayDatabase,
} from '@liverty-music/test-support/throwaway-database';
import { BENCH_DIR, type BenchConfig, TSX } from './bench-config';
import type { CpuShares } from './measure-cpu';
import { formatCpuShares, leastDisturbed, startCpuMeter, waitForQuietMachine } from './measure-cpu';
import { progress } from './progress-log';
import { runBackfillCli } from './run-backfill-cli';
import { startChildService } from './start-child-service';
import { sparseHistory, startSyntheticZitadel } from './synthetic-event-api';

export interface SweepRun {
  seconds: number;
  usersPerSecond: number;
  peakRssMiB: number;
  created: number;
  updated: number;
  removed: number;
  listed: number;
  cpu: CpuShares;
}

export interface SweepResults {
  users: number;
  /** The same users through `sync-backfill.ts` (their events), the same run. */
  backfill: { seconds: number; usersPerSecond: number };
  /** Into an empty database: every user created. */
  empty: SweepRun;
  /** Over the backfilled database: every user current, the steady hourly case. */
  current: SweepRun;
  /** A tenth of the users into an empty database: peak RSS must not grow with the user count. */
  tenth: SweepRun;
}

/** `src/sweep-once.ts` as its own process; its figures from its `sweep-result` line. */
async function sweepOnce(databaseUrl: string, apiUrl: string, pat: string): Promise<SweepRun> {
  const child = await startChildService({
    name: 'sweep',
    command: TSX,
    args: ['src/sweep-once.ts'],
    cwd: BENCH_DIR,
    env: { DATABASE_URL: databaseUrl, ZITADEL_API_URL: apiUrl, ZITADEL_PAT: pat },
  });
  const meter = startCpuMeter({ sweep: [child.pgid] }, availableParallelism());
  const code = await child.exited;
  const cpu = meter.stop();
  const line = /sweep-result (\{.*\})/.exec(child.output());
  if (code !== 0 || !line?.[1]) throw new Error(`sweep-once exited ${code}:\n${child.output()}`);
  const result = JSON.parse(line[1]) as Omit<SweepRun, 'usersPerSecond' | 'cpu'>;
  return { ...result, usersPerSecond: result.listed / result.seconds, cpu };
}

/**
 * A sweep of `config.sweepUsers` users (ListUsers page by page, upserted page by page, removal
 * by one anti-join) on Postgres against the synthetic ZITADEL, beside the backfill of the same
 * users in the same run.
 */
export async function measureSweep(config: BenchConfig): Promise<SweepResults> {
  const users = config.sweepUsers;
  const history = sparseHistory(users);
  const pat = `bench-${randomBytes(12).toString('base64url')}`;
  const api = await startSyntheticZitadel(history, pat);
  const databases: ThrowawayDatabase[] = [];
  const fresh = async (label: string) => {
    const database = await createThrowawayDatabase(`bench_${label}`, {
      serverUrl: config.adminDatabaseUrl,
    });
    databases.push(database);
    return database;
  };
  const again = (first: { cpu: CpuShares }) =>
    progress(`  again: other work took ${formatCpuShares(first.cpu)}`);
  try {
    progress(`sweep: baseline, ${users} users through sync-backfill.ts`);
    const backfilled = await leastDisturbed(
      async () => {
        const database = await fresh('sweep_backfill');
        await waitForQuietMachine(config.quietWaitSeconds);
        const run = await runBackfillCli({
          databaseUrl: database.url,
          apiUrl: api.url,
          pat,
          cores: availableParallelism(),
        });
        return { ...run, database };
      },
      config.retries,
      again,
    );
    const backfill = {
      seconds: backfilled.backfillSeconds,
      usersPerSecond: users / backfilled.backfillSeconds,
    };
    progress(`  ${backfill.usersPerSecond.toFixed(0)} users/s (${backfill.seconds.toFixed(1)} s)`);

    progress(`sweep: ${users} users into an empty database (all created)`);
    const empty = await leastDisturbed(
      async () => {
        const database = await fresh('sweep_empty');
        await waitForQuietMachine(config.quietWaitSeconds);
        return sweepOnce(database.url, api.url, pat);
      },
      config.retries,
      again,
    );
    progress(
      `  ${empty.usersPerSecond.toFixed(0)} users/s (${empty.seconds.toFixed(1)} s, ${empty.created} created, peak RSS ${empty.peakRssMiB.toFixed(0)} MiB)`,
    );

    progress(`sweep: ${users} users over the backfilled database (all current)`);
    const current = await leastDisturbed(
      async () => {
        await waitForQuietMachine(config.quietWaitSeconds);
        return sweepOnce(backfilled.database.url, api.url, pat);
      },
      config.retries,
      again,
    );
    progress(
      `  ${current.usersPerSecond.toFixed(0)} users/s (${current.seconds.toFixed(1)} s, ${current.updated} updated, ${current.removed} removed, peak RSS ${current.peakRssMiB.toFixed(0)} MiB)`,
    );
    const tenthUsers = Math.max(1000, Math.round(users / 10));
    progress(`sweep: ${tenthUsers} users into an empty database (peak RSS at a tenth of the size)`);
    const smallApi = await startSyntheticZitadel(sparseHistory(tenthUsers), pat);
    try {
      const database = await fresh('sweep_tenth');
      const tenth = await sweepOnce(database.url, smallApi.url, pat);
      progress(`  peak RSS ${tenth.peakRssMiB.toFixed(0)} MiB`);
      return { users, backfill, empty, current, tenth };
    } finally {
      await smallApi.close();
    }
  } finally {
    await api.close();
    await Promise.all(databases.map((database) => database.drop()));
  }
}
