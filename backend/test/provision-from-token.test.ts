import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/rows-of';
import { users } from '../src/db/schema';
import { applyIdentityEvent } from '../src/provisioning/apply-identity-event';
import type { Identity } from '../src/provisioning/identity';
import {
  findOrProvision,
  provisionFromToken,
  UserBlockedError,
} from '../src/provisioning/provision-from-token';
import { createTestDatabase, databaseKinds, type TestDatabase } from './support/test-databases';

let nextId = 336494809936035000n;
function identity(overrides: Partial<Identity> = {}): Identity {
  nextId += 1n;
  return {
    zitadelUserId: String(nextId),
    email: `fan${nextId}@example.com`,
    emailVerified: false,
    displayName: 'Minnie Mouse',
    givenName: 'Minnie',
    familyName: 'Mouse',
    ...overrides,
  };
}

describe.each(databaseKinds)('provisionFromToken on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind, { maxConnections: 20 });
  });
  afterAll(async () => {
    await database?.drop();
  });

  const rowsFor = async (zitadelUserId: string) =>
    database.handle.db.select().from(users).where(eq(users.zitadelUserId, zitadelUserId));

  it('creates the user on the first call', async () => {
    const who = identity();
    const { user, created } = await provisionFromToken(database.handle, who);
    expect(created).toBe(true);
    expect(user).toMatchObject({
      zitadelUserId: who.zitadelUserId,
      email: who.email,
      displayName: 'Minnie Mouse',
    });
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await rowsFor(who.zitadelUserId)).toHaveLength(1);
  });

  it('returns the existing user, unchanged, on later calls', async () => {
    const who = identity();
    const first = await provisionFromToken(database.handle, who);
    const second = await provisionFromToken(database.handle, who);
    expect(second.created).toBe(false);
    expect(second.user.id).toBe(first.user.id);
    // Nothing changed, so updated_at must not move.
    expect(second.user.updatedAt.getTime()).toBe(first.user.updatedAt.getTime());
    // …and nothing was written: the row version (xmin) is the one the first call created.
    const version = async () =>
      rowsOf<{ v: string }>(
        await database.handle.db.execute(
          sql`select xmin::text as v from users where zitadel_user_id = ${who.zitadelUserId}`,
        ),
      )[0]?.v;
    const before = await version();
    await provisionFromToken(database.handle, who);
    expect(await version()).toBe(before);
  });

  it('refreshes a changed email and name and moves updated_at only then', async () => {
    const who = identity();
    const first = await provisionFromToken(database.handle, who);
    const changed = {
      ...who,
      email: 'new@example.com',
      emailVerified: true,
      displayName: 'Minnie M.',
      familyName: 'M.',
    };
    const second = await provisionFromToken(database.handle, changed);
    expect(second.created).toBe(false);
    expect(second.user).toMatchObject({
      id: first.user.id,
      email: 'new@example.com',
      emailVerified: true,
      displayName: 'Minnie M.',
      familyName: 'M.',
    });
    expect(second.user.createdAt.getTime()).toBe(first.user.createdAt.getTime());
    // Compared in Postgres, at its microsecond precision: two calls can fall in one millisecond,
    // which is all a JavaScript Date keeps.
    const [moved] = rowsOf<{ moved: boolean }>(
      await database.handle.db.execute(
        sql`select updated_at > created_at as moved from users where zitadel_user_id = ${who.zitadelUserId}`,
      ),
    );
    expect(moved?.moved).toBe(true);
  });

  it('keeps a missing email as null rather than inventing one', async () => {
    const who = identity({ email: null });
    const { user } = await provisionFromToken(database.handle, who);
    expect(user.email).toBeNull();
  });

  it('gives one row and exactly one created:true for 100 concurrent first calls', async () => {
    const who = identity();
    const results = await Promise.all(
      Array.from({ length: 100 }, () => provisionFromToken(database.handle, who)),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.user.id)).size).toBe(1);
    const [{ rows } = { rows: -1 }] = await database.handle.db
      .select({ rows: count() })
      .from(users)
      .where(eq(users.zitadelUserId, who.zitadelUserId));
    expect(rows).toBe(1);
  });

  it('keeps users apart: concurrent first calls for different users create one row each', async () => {
    const people = Array.from({ length: 20 }, () => identity());
    const results = await Promise.all(
      people.flatMap((who) => [
        provisionFromToken(database.handle, who),
        provisionFromToken(database.handle, who),
      ]),
    );
    expect(results.filter((result) => result.created)).toHaveLength(20);
    for (const who of people) expect(await rowsFor(who.zitadelUserId)).toHaveLength(1);
  });

  it('says created:true to the first GetOrCreate even when a webhook inserted the row first', async () => {
    const who = identity();
    const event = {
      aggregateType: 'user',
      aggregateId: who.zitadelUserId,
      sequence: 1,
      eventType: 'user.human.added',
      resourceOwner: '336392597046099971',
      createdAt: new Date().toISOString(),
      payload: { email: who.email, firstName: 'Minnie', lastName: 'Mouse' },
    };
    expect((await applyIdentityEvent(database.handle.db, event, 'webhook')).inserted).toBe(true);
    const first = await provisionFromToken(database.handle, who);
    const second = await provisionFromToken(database.handle, who);
    expect([first.created, first.inserted]).toEqual([true, false]);
    expect(second.created).toBe(false);
  });

  it('lets lazy provisioning create the row without using up created:true', async () => {
    const who = identity();
    const lazy = await findOrProvision(database.handle, who.zitadelUserId, async () => who);
    expect([lazy.created, lazy.inserted]).toEqual([false, true]);
    const again = await findOrProvision(database.handle, who.zitadelUserId, async () => {
      throw new Error('an existing user must not need userinfo');
    });
    expect(again.user.id).toBe(lazy.user.id);
    expect((await provisionFromToken(database.handle, who)).created).toBe(true);
  });

  it.each([
    ['user.deactivated', 'inactive'],
    ['user.removed', 'removed'],
  ])(
    'refuses a user after %s, keeps the row, and does not refresh it',
    async (eventType, state) => {
      const who = identity();
      await provisionFromToken(database.handle, who);
      await applyIdentityEvent(
        database.handle.db,
        {
          aggregateType: 'user',
          aggregateId: who.zitadelUserId,
          sequence: 7,
          eventType,
          resourceOwner: null,
          createdAt: new Date().toISOString(),
          payload: {},
        },
        'poll',
      );
      const attempt = provisionFromToken(database.handle, {
        ...who,
        email: 'changed@example.com',
      });
      await expect(attempt).rejects.toBeInstanceOf(UserBlockedError);
      await expect(attempt).rejects.toMatchObject({ state });
      await expect(
        findOrProvision(database.handle, who.zitadelUserId, async () => who),
      ).rejects.toBeInstanceOf(UserBlockedError);
      const [row] = await rowsFor(who.zitadelUserId);
      // Not refreshed from the token: a deactivated user keeps its data, a removed one stays erased.
      expect(row).toMatchObject({
        state,
        email: state === 'removed' ? null : who.email,
        givenName: state === 'removed' ? '' : who.givenName,
      });
    },
  );
});
