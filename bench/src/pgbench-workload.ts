import { openDatabase } from '@liverty-music/backend';
import postgres from 'postgres';
import { existingSub, PGBENCH_NEW_BASE } from './bench-identity';
import { type CapturedStatement, parametersFor } from './capture-upsert-sql';
import type { Workload } from './measure-get-or-create';

// pgbench running the backend's own upsert: the database limit GetOrCreate is set against.

function existingUsersScript(sql: string, users: number): string {
  return `\\set sub ${existingSub(0)} + random(0, ${users - 1})\n${sql}\n`;
}

// pgbench keeps each client's variables across transactions: `n` counts that client's calls, so
// base + client × 10^10 + n never repeats within a run, and each run gets its own base.
function newUsersScript(sql: string): string {
  return `\\set n :n + 1\n\\set sub :base + :client_id * 10000000000 + :n\n${sql}\n`;
}

export async function seedPgbenchDatabase(
  url: string,
  statement: CapturedStatement,
  users: number,
) {
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

/** The script and variables of one pgbench run; each new-users run gets its own id range. */
export function createPgbenchWorkload(upsertSql: string, existingUsers: number) {
  let run = 0;
  return {
    script: (workload: Workload) =>
      workload === 'existing'
        ? existingUsersScript(upsertSql, existingUsers)
        : newUsersScript(upsertSql),
    define: (workload: Workload): Record<string, string> =>
      workload === 'new'
        ? { n: '0', base: String(PGBENCH_NEW_BASE + BigInt(++run) * 10n ** 14n) }
        : {},
  };
}
