import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../src/db/open-database';
import { type UserRow, type UserState, users } from '../src/db/schema';
import { createLogger } from '../src/logger';
import {
  createReturningUserCache,
  type ReturningUserCache,
} from '../src/user/returning-user-cache';
import { createTestDatabase, databaseKinds, type TestDatabase } from './support/test-databases';
import { newUserId } from './support/zitadel-events';

// The cache against a real database: changes arrive as NOTIFY from the users trigger
// (drizzle/0002_users_changed_notify.sql), committed on another connection (on Postgres, another
// client: what another replica is).
describe.each(databaseKinds)('returning-user cache on %s', (kind) => {
  let database: TestDatabase;
  // Where the changes come from: another pool on Postgres, the same in-process database on PGlite.
  let elsewhere: DatabaseHandle;
  const clock = { now: 1_000_000 };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    elsewhere = database.url
      ? await openDatabase({ url: database.url, pgliteDir: 'unused', maxConnections: 1 })
      : database.handle;
  });
  afterAll(async () => {
    if (elsewhere !== database?.handle) await elsewhere?.close();
    await database?.drop();
  });

  async function insertUser(
    options: { state?: UserState; claimed?: boolean } = {},
  ): Promise<UserRow> {
    const [row] = await database.handle.db
      .insert(users)
      .values({
        zitadelUserId: newUserId(),
        displayName: 'Minnie Mouse',
        state: options.state ?? 'active',
        claimId: options.claimed === false ? null : randomUUID(),
      })
      .returning();
    if (!row) throw new Error('insert returned no row');
    return row;
  }

  /** A cache that is listening: it keeps nothing until the LISTEN is in place. */
  async function listeningCache(
    options: { maxAgeMs?: number; maxEntries?: number } = {},
  ): Promise<ReturningUserCache> {
    const cache = createReturningUserCache({
      database: database.handle,
      logger: createLogger('silent'),
      maxAgeMs: options.maxAgeMs ?? 3_600_000,
      now: () => clock.now,
      ...(options.maxEntries ? { maxEntries: options.maxEntries } : {}),
    });
    const probe = await insertUser();
    await vi.waitFor(() => {
      cache.remember(probe, cache.beginRead());
      expect(cache.get(probe.zitadelUserId)).toBeDefined();
    });
    return cache;
  }

  const rename = (user: UserRow, displayName: string) =>
    elsewhere.db
      .update(users)
      .set({ displayName })
      .where(eq(users.zitadelUserId, user.zitadelUserId));

  it('forgets a profile changed on another connection as soon as the change is announced', async () => {
    const cache = await listeningCache();
    const user = await insertUser();
    cache.remember(user, cache.beginRead());
    expect(cache.get(user.zitadelUserId)?.displayName).toBe('Minnie Mouse');

    await rename(user, 'Mina Mouse');
    // The age bound is an hour and the clock stands still: only the notification can do this.
    await vi.waitFor(() => expect(cache.get(user.zitadelUserId)).toBeUndefined(), {
      timeout: 5000,
    });
  });

  it('does not serve a user removed on another connection, nor keep the removed row', async () => {
    const cache = await listeningCache();
    const user = await insertUser();
    cache.remember(user, cache.beginRead());

    await elsewhere.db
      .update(users)
      .set({ state: 'removed' })
      .where(eq(users.zitadelUserId, user.zitadelUserId));
    await vi.waitFor(() => expect(cache.get(user.zitadelUserId)).toBeUndefined(), {
      timeout: 5000,
    });
    const [removed] = await database.handle.db
      .select()
      .from(users)
      .where(eq(users.zitadelUserId, user.zitadelUserId));
    expect(removed?.state).toBe('removed');
    cache.remember(removed as UserRow, cache.beginRead());
    expect(cache.get(user.zitadelUserId)).toBeUndefined();
  });

  it('refuses a row read before a change that was announced while the read was in flight', async () => {
    const cache = await listeningCache();
    const user = await insertUser();
    cache.remember(user, cache.beginRead());
    const readStarted = cache.beginRead();
    await rename(user, 'Mina Mouse');
    await vi.waitFor(() => expect(cache.get(user.zitadelUserId)).toBeUndefined(), {
      timeout: 5000,
    });
    // `user` is what a read begun before the rename returned.
    cache.remember(user, readStarted);
    expect(cache.get(user.zitadelUserId)).toBeUndefined();
  });

  it('serves a change it was never told about for at most RETURNING_USER_CACHE_MS', async () => {
    const cache = await listeningCache({ maxAgeMs: 10_000 });
    const user = await insertUser();
    clock.now = 2_000_000;
    cache.remember(user, cache.beginRead());
    // A lost notification: the row changes with triggers off (session_replication_role).
    await database.handle.db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx
        .update(users)
        .set({ displayName: 'Mina Mouse' })
        .where(eq(users.zitadelUserId, user.zitadelUserId));
    });
    // Each entry lives between 80 % and all of the bound, so that rows read together do not expire
    // together.
    clock.now = 2_000_000 + 7_999;
    expect(cache.get(user.zitadelUserId)?.displayName).toBe('Minnie Mouse');
    clock.now = 2_000_000 + 10_000;
    expect(cache.get(user.zitadelUserId)).toBeUndefined();
  });

  it('keeps only active, claimed rows', async () => {
    const cache = await listeningCache();
    const kept = await insertUser();
    const rows = [
      await insertUser({ state: 'inactive' }),
      await insertUser({ state: 'removed' }),
      await insertUser({ state: 'locked' }),
      await insertUser({ claimed: false }),
    ];
    for (const row of [kept, ...rows]) cache.remember(row, cache.beginRead());
    expect(cache.get(kept.zitadelUserId)).toBeDefined();
    for (const row of rows) expect(cache.get(row.zitadelUserId)).toBeUndefined();
  });

  it('holds at most maxEntries rows, dropping the least recently used', async () => {
    const cache = await listeningCache({ maxEntries: 2 });
    const [first, second, third] = [await insertUser(), await insertUser(), await insertUser()];
    for (const row of [first, second]) cache.remember(row as UserRow, cache.beginRead());
    // Tried: the oldest entry is the one in use; the one nobody asked for since must go instead.
    expect(cache.get(first?.zitadelUserId ?? '')).toBeDefined();
    cache.remember(third as UserRow, cache.beginRead());
    expect(cache.get(second?.zitadelUserId ?? '')).toBeUndefined();
    expect(cache.get(first?.zitadelUserId ?? '')).toBeDefined();
    expect(cache.get(third?.zitadelUserId ?? '')).toBeDefined();
  });
});
