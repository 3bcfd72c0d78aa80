import { randomBytes } from 'node:crypto';
import {
  createThrowawayDatabase,
  type ThrowawayDatabase,
} from '@liverty-music/test-support/throwaway-database';
import postgres from 'postgres';
import type { BenchConfig } from './bench-config';
import { copyRows, createEmptyTables } from './copy-backfill-rows';
import {
  type CpuShares,
  formatCpuShares,
  leastDisturbed,
  startCpuMeter,
  waitForQuietMachine,
} from './measure-cpu';
import { progress } from './progress-log';
import { runBackfillCli } from './run-backfill-cli';
import { denseHistory, startSyntheticZitadel } from './synthetic-event-api';

export interface DenseBackfillResults {
  events: number;
  users: number;
  /** Instants holding more than the Event API can page through (read through ListUsers). */
  denseInstants: number;
  backfillSeconds: number;
  eventsPerSecond: number;
  requests: number;
  listUsersRequests: number;
  copySeconds: number;
  copyEventsPerSecond: number;
  ratio: number;
  rowsAfterBackfill: { users: number; identityEvents: number };
  summary: string;
  cpu: CpuShares;
}

/** Rows after a backfill: users, identity events, payloads that kept a password hash. */
async function countRows(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ users: number; events: number; secrets: number }[]>`
      select (select count(*)::int from users) as users,
             (select count(*)::int from identity_events) as events,
             (select count(*)::int from identity_events where payload ? 'encodedHash') as secrets`;
    return {
      users: row?.users ?? 0,
      identityEvents: row?.events ?? 0,
      secretsStored: row?.secrets ?? 0,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * The dense-history row: as many events as the main row, written the way a busy launch writes
 * them (two events per signup instant at 10,000 signups a second, bulk transactions past what the
 * Event API can page), beside COPY of the same rows.
 */
export async function measureDenseBackfill(
  config: BenchConfig,
  databases: ThrowawayDatabase[],
  cores: number,
): Promise<DenseBackfillResults> {
  const history = denseHistory(config.events);
  const pat = `bench-${randomBytes(12).toString('base64url')}`;
  const api = await startSyntheticZitadel(history, pat);
  try {
    progress(
      `backfill, dense history: ${history.events.length} events for ${history.users.length} users, ${history.denseInstants} instants through ListUsers`,
    );
    const run = await leastDisturbed(
      async () => {
        const database = await createThrowawayDatabase('bench_backfill_dense', {
          serverUrl: config.adminDatabaseUrl,
        });
        databases.push(database);
        const before = api.stats();
        await waitForQuietMachine(config.quietWaitSeconds);
        const result = await runBackfillCli({
          databaseUrl: database.url,
          apiUrl: api.url,
          pat,
          cores,
        });
        const after = api.stats();
        return {
          ...result,
          database,
          requests: after.requests - before.requests,
          listUsersRequests: after.listUsersRequests - before.listUsersRequests,
        };
      },
      config.retries,
      (first) => progress(`  again: other work took ${formatCpuShares(first.cpu)}`),
    );
    const rows = await countRows(run.database.url);
    const { seconds: copySeconds } = await leastDisturbed(
      async () => {
        const copyDb = await createThrowawayDatabase('bench_copy_dense', {
          serverUrl: config.adminDatabaseUrl,
        });
        databases.push(copyDb);
        await createEmptyTables(copyDb.url);
        await waitForQuietMachine(config.quietWaitSeconds);
        const meter = startCpuMeter({}, cores);
        const seconds = await copyRows(copyDb.url, history);
        return { seconds, cpu: meter.stop() };
      },
      config.retries,
      (first) => progress(`  again: other work took ${formatCpuShares(first.cpu)}`),
    );
    const events = history.events.length;
    const eventsPerSecond = events / run.backfillSeconds;
    const copyEventsPerSecond = events / copySeconds;
    progress(
      `  ${eventsPerSecond.toFixed(0)} events/s (${run.backfillSeconds.toFixed(1)} s, ${run.requests} requests of which ${run.listUsersRequests} ListUsers; ${rows.users} users); COPY ${copyEventsPerSecond.toFixed(0)} events/s  [cpu ${formatCpuShares(run.cpu)}]`,
    );
    return {
      events,
      users: history.users.length,
      denseInstants: history.denseInstants,
      backfillSeconds: run.backfillSeconds,
      eventsPerSecond,
      requests: run.requests,
      listUsersRequests: run.listUsersRequests,
      copySeconds,
      copyEventsPerSecond,
      ratio: eventsPerSecond / copyEventsPerSecond,
      rowsAfterBackfill: { users: rows.users, identityEvents: rows.identityEvents },
      summary: run.summary,
      cpu: run.cpu,
    };
  } finally {
    await api.close();
  }
}
