import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** The shared server the repo's integration suites use (`.ci/run` starts it). */
export const SHARED_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface ScratchDatabase {
  readonly url: string;
  /** A client for the case's own checks (row counts), separate from the backend's pool. */
  readonly sql: postgres.Sql;
  drop(): Promise<void>;
}

/** A fresh, empty database on the shared server; the backend migrates it when it starts. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `liverty_faults_${randomBytes(6).toString('hex')}`;
  const admin = postgres(SHARED_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (error) {
    await admin.end();
    throw new Error(
      `cannot create a database at TEST_DATABASE_URL=${SHARED_DATABASE_URL}; is Postgres running? (${String(error)})`,
    );
  }
  const url = new URL(SHARED_DATABASE_URL);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
  return {
    url: url.toString(),
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
