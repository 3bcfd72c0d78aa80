import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { USERS_CHANGED_CHANNEL } from '../src/user/returning-user-cache';
import { insertReturningUser, listeningCache } from './support/listening-cache';
import { createTestDatabase, databaseKinds, type TestDatabase } from './support/test-databases';

// The cache refuses a row whose read began before a change to that user was announced; to know
// that, it keeps when each user last changed. That history is bounded: past 10,000 users it is
// dropped, and every read still in flight is refused instead, since none can be checked any more.
describe.each(databaseKinds)('returning-user cache change history on %s', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** Announces changes to these users, in order, in one transaction (as one sweep would). */
  const announce = (...zitadelUserIds: string[]) =>
    database.handle.query(
      'select pg_notify($1, sub) from unnest($2::text[]) with ordinality as changed(sub, position) order by position',
      [USERS_CHANGED_CHANNEL, zitadelUserIds],
    );

  /** Announces a change to a remembered user and waits until the cache has heard it. */
  async function announceAndWait(
    cache: Awaited<ReturnType<typeof listeningCache>>,
    ...zitadelUserIds: string[]
  ) {
    const last = zitadelUserIds.at(-1) ?? '';
    await announce(...zitadelUserIds);
    await vi.waitFor(() => expect(cache.get(last)).toBeUndefined(), { timeout: 10_000 });
  }

  it('keeps a row read after its user’s change was announced, and despite another user’s change', async () => {
    const cache = await listeningCache(database.handle);
    const [changed, other] = [
      await insertReturningUser(database.handle),
      await insertReturningUser(database.handle),
    ];
    cache.remember(changed, cache.beginRead());
    await announceAndWait(cache, changed.zitadelUserId);
    // A read that began once the change was known returns the changed row: it may be kept.
    cache.remember(changed, cache.beginRead());
    expect(cache.get(changed.zitadelUserId)).toBeDefined();

    const inFlight = cache.beginRead();
    cache.remember(other, cache.beginRead());
    await announceAndWait(cache, other.zitadelUserId);
    const unrelated = await insertReturningUser(database.handle);
    cache.remember(unrelated, inFlight);
    expect(cache.get(unrelated.zitadelUserId)).toBeDefined();
  });

  it('past 10,000 changed users drops its history and refuses every read still in flight', async () => {
    const cache = await listeningCache(database.handle);
    const [user, last] = [
      await insertReturningUser(database.handle),
      await insertReturningUser(database.handle),
    ];
    const inFlight = cache.beginRead();
    cache.remember(last, cache.beginRead());
    // 10,000 users fill the history; the next one overflows it.
    const filling = Array.from({ length: 10_000 }, (_, index) => `filling-${index}`);
    await announceAndWait(cache, ...filling, last.zitadelUserId);
    cache.remember(user, inFlight);
    expect(cache.get(user.zitadelUserId)).toBeUndefined();

    // The history starts again from that change: one more does not refuse a read begun after it.
    const afterwards = cache.beginRead();
    cache.remember(last, cache.beginRead());
    await announceAndWait(cache, last.zitadelUserId);
    cache.remember(user, afterwards);
    expect(cache.get(user.zitadelUserId)).toBeDefined();
  });
});
