import { createThrowawayDatabase } from '@liverty-music/test-support/throwaway-database';
import postgres from 'postgres';

export interface ScratchDatabase {
  readonly url: string;
  /** A client for the case's own checks (row counts), separate from the backend's pool. */
  readonly sql: postgres.Sql;
  drop(): Promise<void>;
}

/** A fresh, empty database on the shared server; the backend migrates it when it starts. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const database = await createThrowawayDatabase('liverty_faults');
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  return {
    url: database.url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      await database.drop();
    },
  };
}
