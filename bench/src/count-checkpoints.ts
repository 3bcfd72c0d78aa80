import postgres from 'postgres';

export interface CheckpointCounter {
  /** Checkpoints the server has started so far (timed and requested). */
  read(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Counts Postgres checkpoints, to tell a latency tail caused by one. On a shared server every
 * DROP DATABASE (test suites drop theirs) forces an immediate checkpoint, whose writes and fsyncs
 * stall everyone's commits.
 */
export function createCheckpointCounter(adminDatabaseUrl: string): CheckpointCounter {
  const sql = postgres(adminDatabaseUrl, { max: 1, onnotice: () => {} });
  return {
    async read() {
      const [row] = await sql<{ n: number }[]>`
        select (checkpoints_timed + checkpoints_req)::int as n from pg_stat_bgwriter`;
      return row?.n ?? 0;
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
