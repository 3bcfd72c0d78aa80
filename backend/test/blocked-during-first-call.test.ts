import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../src/db/schema';
import {
  findOrProvision,
  provisionFromToken,
  UserBlockedError,
} from '../src/provisioning/provision-from-token';
import { waitForLockWait } from './support/lock-waits';
import { createTestDatabase, type TestDatabase } from './support/test-databases';
import { newUserId } from './support/zitadel-events';

const identity = (zitadelUserId: string) => ({
  zitadelUserId,
  email: `${zitadelUserId}@x.io`,
  emailVerified: false,
  displayName: 'Minnie Mouse',
  givenName: 'Minnie',
  familyName: 'Mouse',
});

describe('a user blocked while its first call is in flight', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.drop();
  });

  // The webhook inserts the user as deactivated while GetOrCreate runs: GetOrCreate's snapshot has
  // no row, its insert meets the webhook's on the key. It must refuse the user with the state the
  // row has, not create, claim or refresh it.
  it.each(['inactive', 'removed'] as const)(
    'is refused as %s, and the row is left as the other writer made it',
    async (state) => {
      const db = database.handle.db;
      const userId = newUserId();
      let inserted = () => {};
      const insertedRow = new Promise<void>((resolve) => {
        inserted = resolve;
      });
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const writer = db.transaction(async (tx) => {
        await tx.insert(users).values({ zitadelUserId: userId, state, email: null });
        inserted();
        await released;
      });
      await insertedRow;
      const attempt = provisionFromToken(database.handle, identity(userId)).then(
        () => undefined,
        (error: unknown) => error,
      );
      await waitForLockWait(db);
      release();
      await writer;
      const error = await attempt;
      expect(error).toBeInstanceOf(UserBlockedError);
      expect(error).toMatchObject({ state, name: 'UserBlockedError', message: `user is ${state}` });
      const [row] = await db.select().from(users).where(eq(users.zitadelUserId, userId));
      expect(row).toMatchObject({ zitadelUserId: userId, state, email: null, claimId: null });
    },
  );
});

describe('lazy provisioning of a user the app has', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('answers the row as it is: neither created nor inserted, and locked is served', async () => {
    const userId = newUserId();
    await database.handle.db.insert(users).values({ zitadelUserId: userId, state: 'locked' });
    const found = await findOrProvision(database.handle, userId, async () => {
      throw new Error('an existing user must not need userinfo');
    });
    expect(found).toMatchObject({
      created: false,
      inserted: false,
      user: { zitadelUserId: userId, state: 'locked' },
    });
  });
});
