import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openDatabase } from '@liverty-music/backend';
import postgres from 'postgres';
import { BACKEND_DIR, type BenchConfig, TSX } from './bench-config';
import { type BenchDatabase, createBenchDatabase } from './create-bench-database';
import {
  type CpuShares,
  formatCpuShares,
  leastDisturbed,
  startCpuMeter,
  waitForQuietMachine,
} from './measure-cpu';
import { progress } from './progress-log';
import { startChildService } from './start-child-service';
import { type ProfileShare, summarizeCpuProfile } from './summarize-cpu-profile';
import {
  denseHistory,
  SYNTHETIC_ORG_ID,
  type SyntheticEvent,
  type SyntheticHistory,
  type SyntheticUser,
  sparseHistory,
  startSyntheticZitadel,
} from './synthetic-event-api';

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

// COPY's text format: backslash, tab and newline must be escaped; \N is null.
const copyText = (value: string | number | boolean | null) =>
  value === null
    ? '\\N'
    : String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');

// Lines go to COPY in batches: one stream chunk per row would measure the bench, not Postgres.
function* batched(lines: Iterable<string>, size = 1000) {
  let batch: string[] = [];
  for (const line of lines) {
    batch.push(line);
    if (batch.length === size) {
      yield batch.join('');
      batch = [];
    }
  }
  if (batch.length > 0) yield batch.join('');
}

function* userLines(users: SyntheticUser[]) {
  for (const user of users) {
    const sequence = user.verified ? 2 : 1;
    yield `${[user.userId, SYNTHETIC_ORG_ID, user.email, user.verified, `${user.firstName} ${user.lastName}`, user.firstName, user.lastName, 'active', 1, sequence, 1, 1, 1, 1].map(copyText).join('\t')}\n`;
  }
}

function* eventLines(events: SyntheticEvent[]) {
  for (const event of events) {
    // Stored as the backend stores it: without the password hash.
    const { encodedHash: _secret, ...payload } = event.payload ?? {};
    yield `${['user', event.userId, event.sequence, event.type, SYNTHETIC_ORG_ID, event.creationDate, 'backfill', JSON.stringify(payload)].map(copyText).join('\t')}\n`;
  }
}

/** The backend's tables, empty, with all their indexes and constraints. */
async function createEmptyTables(url: string): Promise<void> {
  const database = await openDatabase({ url, pgliteDir: 'memory://' });
  await database.migrate();
  await database.close();
}

async function copyRows(url: string, history: SyntheticHistory): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const started = performance.now();
    // One transaction, as the backfill commits its pages: both tables or neither.
    await sql.begin(async (tx) => {
      await pipeline(
        Readable.from(batched(userLines(history.users))),
        await tx`copy users (zitadel_user_id, org_id, email, email_verified, display_name, given_name, family_name, state, email_sequence, email_verified_sequence, display_name_sequence, given_name_sequence, family_name_sequence, state_sequence) from stdin`.writable(),
      );
      await pipeline(
        Readable.from(batched(eventLines(history.events))),
        await tx`copy identity_events (aggregate_type, aggregate_id, sequence, event_type, resource_owner, event_time, source, payload) from stdin`.writable(),
      );
    });
    return (performance.now() - started) / 1000;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** `tsx src/cli/sync-backfill.ts` as an operator runs it; times from its own summary line. */
export async function runBackfillCli(options: {
  databaseUrl: string;
  apiUrl: string;
  pat: string;
  cores: number;
  /** Node flags (e.g. --cpu-prof): node then runs the CLI with tsx as an import hook. */
  nodeArgs?: string[];
}) {
  const started = performance.now();
  const cli = await startChildService({
    name: 'sync-backfill',
    command: options.nodeArgs ? process.execPath : TSX,
    args: options.nodeArgs
      ? [...options.nodeArgs, '--import', 'tsx', 'src/cli/sync-backfill.ts']
      : ['src/cli/sync-backfill.ts'],
    cwd: BACKEND_DIR,
    env: {
      DATABASE_URL: options.databaseUrl,
      ZITADEL_API_URL: options.apiUrl,
      ZITADEL_PAT: options.pat,
    },
  });
  const meter = startCpuMeter({ 'backfill CLI': [cli.pgid] }, options.cores);
  const code = await cli.exited;
  const cpu = meter.stop();
  const wallSeconds = (performance.now() - started) / 1000;
  const output = cli.output();
  const summary = /backfill complete: (\d+) events read, .* in ([\d.]+) s/.exec(output);
  if (code !== 0 || !summary) throw new Error(`sync-backfill exited ${code}:\n${output}`);
  return { cpu, wallSeconds, backfillSeconds: Number(summary[2]), summary: summary[0] };
}

/** Item 1, third figure: `npm run sync:backfill` over synthetic events, against COPY. */
export async function measureBackfill(config: BenchConfig): Promise<BackfillResults> {
  const cores = availableParallelism();
  const history = sparseHistory(config.events);
  const pat = `bench-${randomBytes(12).toString('base64url')}`;
  const api = await startSyntheticZitadel(history, pat);
  const databases: BenchDatabase[] = [];
  try {
    progress(`backfill: ${config.events} user.human.added events through sync-backfill.ts`);
    // A repeat goes into its own fresh database: the backfill must start from nothing.
    const attempt = async () => {
      const database = await createBenchDatabase(config.adminDatabaseUrl, 'backfill');
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
        const copyDb = await createBenchDatabase(config.adminDatabaseUrl, 'copy');
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
      const profileDb = await createBenchDatabase(config.adminDatabaseUrl, 'backfill_profile');
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
async function measureDenseBackfill(
  config: BenchConfig,
  databases: BenchDatabase[],
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
        const database = await createBenchDatabase(config.adminDatabaseUrl, 'backfill_dense');
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
        const copyDb = await createBenchDatabase(config.adminDatabaseUrl, 'copy_dense');
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
