import { createThrowawayDatabase } from '@liverty-music/test-support/throwaway-database';
import postgres from 'postgres';

// The journeys assert the database too, so the backend runs on real Postgres here: a fresh
// database per worker (PGlite is single-process and could not be read from the test).

export interface AppUserRow {
  id: string;
  zitadel_user_id: string;
  email: string | null;
  display_name: string;
  state: string;
}

export async function createTestDatabase() {
  const database = await createThrowawayDatabase('liverty_e2e');
  return queries(database.url, () => database.drop());
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
