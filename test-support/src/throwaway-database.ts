import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** The shared Postgres server the repo's suites use (`.ci/run` starts it and sets the variable). */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface ThrowawayDatabase {
  readonly name: string;
  readonly url: string;
  /** Drops it, ending any connection left open (a killed child's); a second call does nothing. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database on a shared server, named `<prefix>_<random>`: suites run in parallel
 * and must not see each other's rows. Nothing is migrated here; the caller (or the backend it
 * starts) does that. An unreachable server fails loudly, never a skip.
 */
export async function createThrowawayDatabase(
  prefix: string,
  options: { serverUrl?: string } = {},
): Promise<ThrowawayDatabase> {
  const serverUrl = options.serverUrl ?? TEST_DATABASE_URL;
  const name = `${prefix.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`create database ${admin(name)}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ECONNREFUSED' || code === 'ENOTFOUND'
        ? `No Postgres answers at ${new URL(serverUrl).host} (${code}). Start it, or set TEST_DATABASE_URL (README, Troubleshooting).`
        : `cannot create a database at ${serverUrl} (${String(error)})`,
    );
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await sql`drop database if exists ${sql(name)} with (force)`;
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}
