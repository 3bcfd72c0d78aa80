import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyIdentityEvents } from '../src/provisioning/apply-identity-event';
import { waitForLockWait } from './support/lock-waits';
import { createTestDatabase, type TestDatabase } from './support/test-databases';
import { addedPayload, userEvent as event, newUserId } from './support/zitadel-events';

// Webhooks and poll pages write overlapping users at the same time. Each batch locks its users'
// rows in id order, whatever the order of its events, so two batches wait for each other instead
// of each holding a row the other needs (a deadlock: Postgres aborts one after a second).
describe('a batch of events locks its users in id order', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('blocked on its first user, it holds none of the later ones', async () => {
    const db = database.handle.db;
    const ids = [newUserId(), newUserId(), newUserId(), newUserId()].sort();
    const [first = '', ...later] = ids;
    await applyIdentityEvents(
      db,
      ids.map((id) => event(id, 1, 'user.human.added', addedPayload(`${id}@x.io`))),
      'poll',
    );

    // Another batch holds the first user's row until released.
    let held = () => {};
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holder = db.transaction(async (tx) => {
      await applyIdentityEvents(tx, [event(first, 2, 'user.locked')], 'webhook');
      held();
      await released;
    });
    await holding;

    // This batch names its users in neither id order nor its reverse.
    const order = [2, 0, 3, 1].map((index) => ids[index] ?? '');
    const blocked = applyIdentityEvents(
      db,
      order.map((id) => event(id, 3, 'user.human.profile.changed', { firstName: 'B' })),
      'poll',
    );
    await waitForLockWait(db);
    // Every later user is free: the blocked batch has not reached them.
    const probe = db.transaction(async (tx) => {
      await tx.execute(
        sql`select 1 from users where zitadel_user_id in ${later} for update nowait`,
      );
    });
    const free = await probe.then(
      () => true,
      () => false,
    );
    release();
    await holder;
    expect((await blocked).map((result) => result.outcome)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
    ]);
    expect(free).toBe(true);
  });
});
