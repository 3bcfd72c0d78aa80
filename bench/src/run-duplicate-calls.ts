import postgres from 'postgres';
import { Pool } from 'undici';
import { newSub } from './bench-identity';
import { getOrCreateRequest } from './get-or-create-request';
import { progress } from './progress-log';
import type { RunningServer } from './start-backend';
import type { BenchIssuer } from './start-bench-issuer';

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

const DUPLICATE_USERS = 400;
const DUPLICATE_CALLS_PER_USER = 4;
// Never-seen ids for the duplicate-calls check start here, far beyond what a load run consumes.
const DUPLICATE_OFFSET = 50_000_000;

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

/** The same never-seen users, N calls each at once, against the backend and the naive peer. */
export async function measureDuplicateCalls(
  issuer: BenchIssuer,
  targets: Record<'real' | 'naive', { server: RunningServer; databaseUrl: string }>,
): Promise<DuplicateCallsResult[]> {
  progress(
    `GetOrCreate: ${DUPLICATE_USERS} never-seen users × ${DUPLICATE_CALLS_PER_USER} simultaneous calls`,
  );
  const tokens = Array.from({ length: DUPLICATE_USERS }, (_, i) =>
    issuer.sign(newSub(DUPLICATE_OFFSET + i)),
  );
  const outcomes: DuplicateCallsResult[] = [];
  for (const implementation of ['real', 'naive'] as const) {
    const { server, databaseUrl } = targets[implementation];
    const outcome = await runDuplicateCalls(implementation, server, databaseUrl, tokens);
    progress(
      `  ${outcome.implementation}: ${outcome.rows} rows, ${outcome.createdTrue} × created, ${outcome.failed} failed calls, ${outcome.uniqueViolations} unique violations`,
    );
    outcomes.push(outcome);
  }
  return outcomes;
}
