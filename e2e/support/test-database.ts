import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/**
 * The journeys assert the database too, so the backend runs on real Postgres here: a fresh
 * database per worker (PGlite is single-process and could not be read from the test).
 */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface AppUserRow {
  id: string;
  zitadel_user_id: string;
  email: string | null;
  display_name: string;
  state: string;
}

export async function createTestDatabase() {
  const name = `liverty_e2e_${randomBytes(5).toString('hex')}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`).catch(async (error: NodeJS.ErrnoException) => {
    await admin.end();
    if (error.code !== 'ECONNREFUSED' && error.code !== 'ENOTFOUND') throw error;
    throw new Error(
      `No Postgres answers at ${new URL(TEST_DATABASE_URL).host} (${error.code}). Start it, or set TEST_DATABASE_URL (README, Troubleshooting).`,
    );
  });
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return queries(url.toString(), async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
}

/** An existing database (the compose stack's), read only, never dropped. */
export async function connectDatabase(url: string) {
  return queries(url, async () => {});
}

function queries(url: string, cleanUp: () => Promise<void>) {
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  return {
    url,
    async usersByEmail(email: string): Promise<AppUserRow[]> {
      return sql<
        AppUserRow[]
      >`select id, zitadel_user_id, email, display_name, state from users where email = ${email}`;
    },
    /** The app's row of one ZITADEL user, whatever its email became (erasure empties it). */
    async userByZitadelId(zitadelUserId: string) {
      const [row] = await sql<
        (AppUserRow & { given_name: string; family_name: string; org_id: string | null })[]
      >`select id, zitadel_user_id, email, display_name, state, given_name, family_name, org_id
        from users where zitadel_user_id = ${zitadelUserId}`;
      return row;
    },
    /** How each event for a user arrived, and its lag from ZITADEL's event time to being applied. */
    async eventsFor(zitadelUserId: string) {
      return sql<{ event_type: string; source: string; lag_ms: number }[]>`
        select event_type, source,
               (extract(epoch from (received_at - event_time)) * 1000)::float8 as lag_ms
        from identity_events where aggregate_id = ${zitadelUserId} order by sequence`;
    },
    async userCount(): Promise<number> {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from users`;
      return row?.n ?? 0;
    },
    async drop() {
      await sql.end();
      await cleanUp();
    },
  };
}

export type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;
