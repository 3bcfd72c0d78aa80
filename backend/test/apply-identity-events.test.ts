import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityEvents, users } from '../src/db/schema';
import { applyIdentityEvents } from '../src/provisioning/apply-identity-event';
import { createTestDatabase, databaseKinds, type TestDatabase } from './support/test-databases';
import { addedPayload, userEvent as event, newUserId } from './support/zitadel-events';

describe.each(databaseKinds)('applying a batch of events on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("reports each event in order and folds a user's events to their newest values", async () => {
    const userId = newUserId();
    const other = newUserId();
    const results = await applyIdentityEvents(
      database.handle.db,
      [
        event(userId, 3, 'user.human.profile.changed', { firstName: 'Mina' }),
        event(userId, 1, 'user.human.added', addedPayload('first@example.com')),
        event(userId, 2, 'user.human.email.changed', { email: 'second@example.com' }),
        event(userId, 1, 'user.human.added', addedPayload('first@example.com')), // redelivered
        event(userId, 4, 'user.human.password.changed'), // not followed
        event(other, 1, 'user.human.added', addedPayload('other@example.com')),
      ],
      'poll',
    );
    expect(results.map((result) => result.outcome)).toEqual([
      'applied',
      'applied',
      'applied',
      'duplicate',
      'ignored',
      'applied',
    ]);
    // The row insert is reported once per user.
    expect(results.filter((result) => result.inserted)).toHaveLength(2);
    const [row] = await database.handle.db
      .select()
      .from(users)
      .where(eq(users.zitadelUserId, userId));
    expect(row).toMatchObject({
      email: 'second@example.com',
      emailVerified: false,
      givenName: 'Mina',
      familyName: 'Mouse',
      givenNameSequence: 3,
      emailSequence: 2,
    });
    const logged = await database.handle.db
      .select()
      .from(identityEvents)
      .where(eq(identityEvents.aggregateId, userId));
    expect(logged.map((entry) => entry.sequence).sort()).toEqual([1, 2, 3]);
  });

  it('marks an event stale when every field it carries holds a newer value', async () => {
    const userId = newUserId();
    await applyIdentityEvents(
      database.handle.db,
      [event(userId, 5, 'user.human.profile.changed', { firstName: 'New' })],
      'webhook',
    );
    const [late] = await applyIdentityEvents(
      database.handle.db,
      [event(userId, 4, 'user.human.profile.changed', { firstName: 'Old' })],
      'poll',
    );
    expect(late?.outcome).toBe('stale');
    const [row] = await database.handle.db
      .select()
      .from(users)
      .where(eq(users.zitadelUserId, userId));
    expect(row?.givenName).toBe('New');
  });

  it('applies a thousand-event page in one go', async () => {
    const batch = Array.from({ length: 1000 }, (_, i) =>
      event(newUserId(), 1, 'user.human.added', addedPayload(`page${i}@example.com`)),
    );
    const results = await applyIdentityEvents(database.handle.db, batch, 'backfill');
    expect(results.every((result) => result.outcome === 'applied' && result.inserted)).toBe(true);
  });
});

describe('events Postgres cannot store as they are', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('strips NUL and lone surrogates, skips impossible dates, and applies the rest of the page', async () => {
    const clean = newUserId();
    const dirty = newUserId();
    const impossible = newUserId();
    const results = await applyIdentityEvents(
      database.handle.db,
      [
        event(dirty, 1, 'user.human.added', {
          ...addedPayload('dirty@example.com'),
          firstName: 'Mi\u0000nnie\ud800',
        }),
        {
          ...event(impossible, 1, 'user.human.added', addedPayload('year0@example.com')),
          createdAt: '0000-01-01T00:00:00Z',
        },
        event(clean, 1, 'user.human.added', addedPayload('clean@example.com')),
      ],
      'poll',
    );
    expect(results.map((result) => result.outcome)).toEqual(['applied', 'invalid', 'applied']);
    const [row] = await database.handle.db
      .select()
      .from(users)
      .where(eq(users.zitadelUserId, dirty));
    expect(row?.givenName).toBe('Minnie');
    expect(
      await database.handle.db.select().from(users).where(eq(users.zitadelUserId, impossible)),
    ).toHaveLength(0);
  });

  it('refuses ids Postgres cannot store instead of rewriting them into another id', async () => {
    // Tried: a lone surrogate in the aggregate id and in the resource owner, and NUL in the id.
    const base = newUserId();
    const results = await applyIdentityEvents(
      database.handle.db,
      [
        event(`${base}\udfff`, 1, 'user.human.added', addedPayload('lone@example.com')),
        { ...event(`${base}1`, 1, 'user.human.added'), resourceOwner: 'org\ud800' },
        event(`${base}\u0000`, 1, 'user.human.added', addedPayload('nul@example.com')),
      ],
      'webhook',
    );
    expect(results.map((result) => result.outcome)).toEqual(['invalid', 'invalid', 'invalid']);
    for (const id of [base, `${base}1`]) {
      expect(
        await database.handle.db.select().from(users).where(eq(users.zitadelUserId, id)),
      ).toHaveLength(0);
    }
  });
});
