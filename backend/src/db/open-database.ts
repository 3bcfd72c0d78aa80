import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema';

/** What feature code sees: the same type whichever driver is underneath. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  readonly db: Database;
  readonly kind: 'postgres' | 'pglite';
  /** Applies drizzle/ migrations; safe when several processes start at once. */
  migrate(): Promise<void>;
  /**
   * A leadership lock for work only one process may do (the reconciler). On Postgres it is a
   * session advisory lock on a dedicated connection: if the holder dies, its connection closes
   * and the lock is free for another replica. PGlite has only one process: always the leader.
   */
  createLeaderLock(lockId: number): LeaderLock;
  /**
   * A hot-path statement with $1… parameters, prepared once per connection on Postgres (drizzle's
   * execute() re-plans every time). Rows come back with the database's column names.
   */
  query<T>(text: string, params: unknown[]): Promise<T[]>;
  /**
   * Delivers each NOTIFY on `channel` to `onPayload`. `onListening` runs whenever the listening
   * session (re)starts: notifications sent while it was down are lost, so whatever they would
   * have invalidated must be dropped then. Rejects when the first LISTEN fails.
   */
  listen(channel: string, handlers: NotificationHandlers): Promise<void>;
  /** Resolves when the database answers a query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface NotificationHandlers {
  onPayload(payload: string): void;
  onListening(): void;
}

export interface LeaderLock {
  /** True while this process holds the lock; tries to take it when it does not. */
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

// backend/drizzle, found from wherever this module runs: src/db/ under tsx, dist/ or dist/cli/
// once compiled (scripts/build-dist.mjs bundles it into each entry point).
const migrationsFolder = (() => {
  for (const up of ['../../drizzle', '../drizzle']) {
    const folder = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(join(folder, 'meta', '_journal.json'))) return folder;
  }
  return fileURLToPath(new URL('../../drizzle', import.meta.url));
})();

// Any constant works; it only has to be the same in every replica.
const MIGRATION_LOCK_ID = 0x6c6d5f6d; // "lm_m"

export interface OpenDatabaseOptions {
  /** postgres:// URL. Unset → embedded PGlite. */
  url?: string | undefined;
  /** PGlite data directory, or `memory://` for a throwaway database. */
  pgliteDir: string;
  /** Pool size for real Postgres. */
  maxConnections?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  return options.url
    ? openPostgres(options.url, options.maxConnections ?? 10)
    : openPglite(options.pgliteDir);
}

function openPostgres(url: string, max: number): DatabaseHandle {
  const client = postgres(url, {
    max,
    // Fail fast when the server is gone so callers get `unavailable` instead of a hung request:
    // a short connect timeout, and a short, flat reconnect back-off (postgres.js's default grows
    // to 20 s, holding queued calls long after Postgres is back).
    connect_timeout: 5,
    backoff: () => 0.2,
    idle_timeout: 60,
    onnotice: () => {},
  });
  const db = drizzlePostgres(client, { schema });
  return {
    db,
    kind: 'postgres',
    async migrate() {
      // drizzle's migrator does not serialise concurrent runs; replicas starting together would race
      // on CREATE TABLE. A session-level advisory lock on one reserved connection orders them.
      const lockConnection = await client.reserve();
      try {
        await lockConnection`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
        await migratePostgres(db, { migrationsFolder });
      } finally {
        await lockConnection`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.catch(() => {});
        lockConnection.release();
      }
    },
    createLeaderLock(lockId) {
      // Its own one-connection client: a reserved pool connection misbehaves once the server
      // kills it. postgres.js reconnects transparently, so a changed backend pid is how we learn
      // that the session holding the lock is gone (and the lock with it).
      const lockClient = postgres(url, {
        max: 1,
        idle_timeout: 0,
        connect_timeout: 5,
        backoff: () => 0.2,
        onnotice: () => {},
      });
      let heldBy: number | undefined;
      return {
        async tryAcquire() {
          try {
            if (heldBy !== undefined) {
              const [session] = await lockClient<{ pid: number }[]>`select pg_backend_pid() as pid`;
              if (session?.pid === heldBy) return true;
              heldBy = undefined;
            }
            const [row] = await lockClient<{ pid: number; locked: boolean }[]>`
              select pg_backend_pid() as pid, pg_try_advisory_lock(${lockId}) as locked`;
            if (row?.locked) heldBy = row.pid;
            return heldBy !== undefined;
          } catch {
            heldBy = undefined;
            return false;
          }
        },
        async release() {
          heldBy = undefined;
          // Ending the session frees the lock.
          await lockClient.end({ timeout: 2 });
        },
      };
    },
    async query<T>(text: string, params: unknown[]) {
      return (await client.unsafe(text, params as never[], { prepare: true })) as unknown as T[];
    },
    async listen(channel, handlers) {
      // postgres.js listens on a connection of its own and runs the third callback after every
      // (re)connect.
      await client.listen(channel, handlers.onPayload, handlers.onListening);
    },
    async ping() {
      await client`select 1`;
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

async function openPglite(dir: string): Promise<DatabaseHandle> {
  const inMemory = dir.startsWith('memory://');
  if (!inMemory) await mkdir(dir, { recursive: true });
  const client = inMemory ? new PGlite() : new PGlite(dir);
  const db = drizzlePglite(client, { schema });
  return {
    db,
    kind: 'pglite',
    async migrate() {
      // PGlite is single-process: nothing else can migrate concurrently.
      await migratePglite(db, { migrationsFolder });
    },
    createLeaderLock() {
      return { tryAcquire: async () => true, release: async () => {} };
    },
    async query<T>(text: string, params: unknown[]) {
      return (await client.query<T>(text, params)).rows;
    },
    async listen(channel, handlers) {
      // One in-process session, never reconnected: listening starts once.
      await client.listen(channel, handlers.onPayload);
      handlers.onListening();
    },
    async ping() {
      await client.query('select 1');
    },
    async close() {
      await client.close();
    },
  };
}
