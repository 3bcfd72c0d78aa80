import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { type DenseBackfillResults, measureDenseBackfill } from './measure-dense-backfill';
import { progress } from './progress-log';
import { runBackfillCli } from './run-backfill-cli';
import { type ProfileShare, summarizeCpuProfile } from './summarize-cpu-profile';
import { sparseHistory, startSyntheticZitadel } from './synthetic-event-api';

export interface BackfillResults {
  events: number;
  /** Seconds the CLI reports for its sync loop (after start-up and migrations). */
  backfillSeconds: number;
  /** Seconds from the CLI's spawn to its exit, start-up included. */
  wallSeconds: number;
  eventsPerSecond: number;
  pages: number;
  copySeconds: number;
  /** Events' worth of rows (one users row + one identity_events row each) per second. */
  copyEventsPerSecond: number;
  ratio: number;
  rowsAfterBackfill: { users: number; identityEvents: number; secretsStored: number };
  cpu: CpuShares;
  copyCpu: CpuShares;
  /** Where the CLI's main thread went, from a smaller profiled run. */
  profile?: ProfileShare[];
  /** The same CLI over a dense history (two events per signup instant, bulk transactions). */
  dense?: DenseBackfillResults;
}

/** Item 1, third figure: `npm run sync:backfill` over synthetic events, against COPY. */
export async function measureBackfill(config: BenchConfig): Promise<BackfillResults> {
  const cores = availableParallelism();
  const history = sparseHistory(config.events);
  const pat = `bench-${randomBytes(12).toString('base64url')}`;
  const api = await startSyntheticZitadel(history, pat);
  const databases: ThrowawayDatabase[] = [];
  try {
    progress(`backfill: ${config.events} user.human.added events through sync-backfill.ts`);
    // A repeat goes into its own fresh database: the backfill must start from nothing.
    const attempt = async () => {
      const database = await createThrowawayDatabase('bench_backfill', {
        serverUrl: config.adminDatabaseUrl,
      });
      databases.push(database);
      const pagesBefore = api.stats().requests;
      await waitForQuietMachine(config.quietWaitSeconds);
      const run = await runBackfillCli({ databaseUrl: database.url, apiUrl: api.url, pat, cores });
      return { ...run, database, pages: api.stats().requests - pagesBefore };
    };
    const {
      cpu,
      wallSeconds,
      backfillSeconds,
      database: backfillDb,
      pages,
    } = await leastDisturbed(attempt, config.retries, (first) =>
      progress(`  again: other work took ${formatCpuShares(first.cpu)}`),
    );

    const sql = postgres(backfillDb.url, { max: 1, onnotice: () => {} });
    let rowsAfterBackfill: BackfillResults['rowsAfterBackfill'];
    try {
      const [row] = await sql<{ users: number; events: number; secrets: number }[]>`
        select (select count(*)::int from users) as users,
               (select count(*)::int from identity_events) as events,
               (select count(*)::int from identity_events where payload ? 'encodedHash') as secrets`;
      rowsAfterBackfill = {
        users: row?.users ?? 0,
        identityEvents: row?.events ?? 0,
        secretsStored: row?.secrets ?? 0,
      };
    } finally {
      await sql.end({ timeout: 5 });
    }
    const eventsPerSecond = config.events / backfillSeconds;
    progress(
      `  ${eventsPerSecond.toFixed(0)} events/s (${backfillSeconds.toFixed(1)} s, ${pages} pages; ${rowsAfterBackfill.users} users, ${rowsAfterBackfill.identityEvents} events stored)  [cpu ${formatCpuShares(cpu)}]`,
    );

    progress('backfill: COPY of the same rows into empty tables');
    const { seconds: copySeconds, cpu: copyCpu } = await leastDisturbed(
      async () => {
        const copyDb = await createThrowawayDatabase('bench_copy', {
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
    const copyEventsPerSecond = config.events / copySeconds;
    progress(
      `  ${copyEventsPerSecond.toFixed(0)} events/s (${copySeconds.toFixed(2)} s)  [cpu ${formatCpuShares(copyCpu)}]`,
    );

    let profile: ProfileShare[] | undefined;
    if (config.profile) {
      // A smaller second backfill under --cpu-prof, cut to the span the Event API was read.
      const count = Math.max(10_000, Math.round(config.events / 5));
      progress(`backfill: CPU profile of the CLI over ${count} events`);
      const profileDb = await createThrowawayDatabase('bench_backfill_profile', {
        serverUrl: config.adminDatabaseUrl,
      });
      databases.push(profileDb);
      const profileApi = await startSyntheticZitadel(sparseHistory(count), pat);
      const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
      try {
        await runBackfillCli({
          databaseUrl: profileDb.url,
          apiUrl: profileApi.url,
          pat,
          cores,
          nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
        });
        const { firstRequestAt, lastResponseAt } = profileApi.stats();
        profile = summarizeCpuProfile(dir, {
          startUs: firstRequestAt ?? 0,
          endUs: lastResponseAt ?? Number.POSITIVE_INFINITY,
        });
        progress(
          `  ${profile
            .slice(0, 6)
            .map((entry) => `${entry.category} ${(entry.share * 100).toFixed(0)}%`)
            .join(' · ')}`,
        );
      } catch (error) {
        progress(`  profile failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        await profileApi.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }

    const dense = await measureDenseBackfill(config, databases, cores);
    return {
      dense,
      events: config.events,
      backfillSeconds,
      wallSeconds,
      eventsPerSecond,
      pages,
      copySeconds,
      copyEventsPerSecond,
      ratio: eventsPerSecond / copyEventsPerSecond,
      rowsAfterBackfill,
      cpu,
      copyCpu,
      profile,
    };
  } finally {
    await api.close();
    await Promise.all(databases.map((database) => database.drop()));
  }
}
