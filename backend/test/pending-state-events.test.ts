import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityEvents, pendingIdentityEvents, users } from '../src/db/schema';
import { adoptPendingEvents, applyIdentityEvents } from '../src/provisioning/apply-identity-event';
import type { IdentityEvent } from '../src/provisioning/identity-event';
import { usersWithPendingEvents } from '../src/provisioning/pending-events';
import { provisionFromToken } from '../src/provisioning/provision-from-token';
import { createTestDatabase, type TestDatabase } from './support/test-databases';
import { addedPayload, newUserId } from './support/zitadel-events';

// A state event about a user the app does not have is kept (pending_identity_events) and applied
// when the row appears (docs/decisions/032). The sweep's side of it is in the sync suites.
const event = (
  userId: string,
  sequence: number,
  eventType: string,
  payload: Record<string, unknown> = {},
): IdentityEvent => ({
  aggregateType: 'user',
  aggregateId: userId,
  sequence,
  eventType,
  resourceOwner: '336392597046099971',
  createdAt: `2026-12-0${sequence}T10:00:00.123456Z`,
  payload,
});

describe('state events kept for users the app does not have yet', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.drop();
  });
  const db = () => database.handle.db;
  const kept = (userIds: string[]) =>
    db()
      .select()
      .from(pendingIdentityEvents)
      .where(inArray(pendingIdentityEvents.aggregateId, userIds));
  const row = async (userId: string) =>
    (await db().select().from(users).where(eq(users.zitadelUserId, userId)))[0];

  it('keeps nothing for a user the app has', async () => {
    const userId = newUserId();
    const results = await applyIdentityEvents(
      db(),
      [
        event(userId, 1, 'user.human.added', addedPayload('has@x.io')),
        event(userId, 2, 'user.locked'),
      ],
      'webhook',
    );
    expect(results.map((result) => result.outcome)).toEqual(['applied', 'applied']);
    const later = await applyIdentityEvents(db(), [event(userId, 3, 'user.unlocked')], 'webhook');
    expect(later.map((result) => result.outcome)).toEqual(['applied']);
    expect(await kept([userId])).toEqual([]);
  });

  it('applies them on the next human event of a user GetOrCreate created in between', async () => {
    const userId = newUserId();
    expect(
      (await applyIdentityEvents(db(), [event(userId, 2, 'user.locked')], 'webhook'))[0]?.outcome,
    ).toBe('pending');
    // The row comes from a token, which proves nothing about the kept events: they stay.
    await provisionFromToken(database.handle, {
      zitadelUserId: userId,
      email: 'token@x.io',
      emailVerified: true,
      displayName: 'Minnie',
      givenName: 'Minnie',
      familyName: '',
    });
    expect(await kept([userId])).toHaveLength(1);
    expect(await usersWithPendingEvents(db(), 10)).toContain(userId);
    // A human event about a user the app already has (not an insert) takes them.
    const results = await applyIdentityEvents(
      db(),
      [event(userId, 3, 'user.human.profile.changed', { firstName: 'Mina' })],
      'poll',
    );
    expect(results.map((result) => result.outcome)).toEqual(['applied']);
    expect(await row(userId)).toMatchObject({ state: 'locked', givenName: 'Mina' });
    expect(await kept([userId])).toEqual([]);
  });

  // docs/decisions/032: kept events are taken where a row may be created (a human event, a
  // snapshot, the sweep); a batch of state events alone costs no statement on the kept ones.
  it('leaves them kept through a state event about a user GetOrCreate created', async () => {
    const userId = newUserId();
    await applyIdentityEvents(db(), [event(userId, 2, 'user.locked')], 'webhook');
    await provisionFromToken(database.handle, {
      zitadelUserId: userId,
      email: 'state@x.io',
      emailVerified: true,
      displayName: 'Minnie',
      givenName: 'Minnie',
      familyName: '',
    });
    const results = await applyIdentityEvents(db(), [event(userId, 4, 'user.unlocked')], 'poll');
    expect(results.map((result) => result.outcome)).toEqual(['applied']);
    expect(await kept([userId])).toHaveLength(1);
    // Taken later (the sweep), the older lock does not undo the newer unlock.
    expect(await adoptPendingEvents(db(), [userId], 'poll')).toBe(1);
    expect(await row(userId)).toMatchObject({ state: 'active', stateSequence: 4 });
  });

  it('adopts them as they arrived: time, owner and payload without secrets, counted', async () => {
    const userId = newUserId();
    await applyIdentityEvents(
      db(),
      [event(userId, 2, 'user.deactivated', { reason: 'fraud', otpCode: '123456' })],
      'webhook',
    );
    await db().insert(users).values({ zitadelUserId: userId });
    expect(await adoptPendingEvents(db(), [userId], 'poll')).toBe(1);
    expect(await adoptPendingEvents(db(), [userId], 'poll')).toBe(0);
    expect(await adoptPendingEvents(db(), [], 'poll')).toBe(0);
    expect(await row(userId)).toMatchObject({ state: 'inactive', stateSequence: 2 });
    const [logged] = await db()
      .select({
        at: sql<string>`to_char(${identityEvents.eventTime} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        sequence: identityEvents.sequence,
        eventType: identityEvents.eventType,
        resourceOwner: identityEvents.resourceOwner,
        payload: identityEvents.payload,
      })
      .from(identityEvents)
      .where(eq(identityEvents.aggregateId, userId));
    expect(logged).toEqual({
      at: '2026-12-02T10:00:00.123456Z',
      sequence: 2,
      eventType: 'user.deactivated',
      resourceOwner: '336392597046099971',
      payload: { reason: 'fraud' },
    });
  });

  it('lists the users that have a row and kept events, each once, at most as many as asked', async () => {
    const withRow = [newUserId(), newUserId(), newUserId()];
    const withoutRow = newUserId();
    for (const userId of [...withRow, withoutRow]) {
      await applyIdentityEvents(
        db(),
        [event(userId, 2, 'user.locked'), event(userId, 3, 'user.deactivated')],
        'poll',
      );
    }
    await db()
      .insert(users)
      .values(withRow.map((zitadelUserId) => ({ zitadelUserId })));
    const listed = await usersWithPendingEvents(db(), 100);
    expect(listed.filter((id) => withRow.includes(id)).sort()).toEqual([...withRow].sort());
    expect(listed).not.toContain(withoutRow);
    expect(new Set(listed).size).toBe(listed.length);
    expect(await usersWithPendingEvents(db(), 2)).toHaveLength(2);
    // Taken for several users at once, as the sweep does.
    expect(await adoptPendingEvents(db(), withRow, 'poll')).toBe(6);
    for (const userId of withRow) expect(await row(userId)).toMatchObject({ state: 'inactive' });
  });
});
