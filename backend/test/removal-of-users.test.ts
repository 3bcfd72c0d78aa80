import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityEvents, pendingIdentityEvents, users } from '../src/db/schema';
import { applyIdentityEvents } from '../src/provisioning/apply-identity-event';
import type { IdentityEvent } from '../src/provisioning/identity-event';
import { applyOrgRemovals, REMOVED_SEQUENCE, removeUsers } from '../src/provisioning/remove-users';
import { createTestDatabase, type TestDatabase } from './support/test-databases';
import { addedPayload, newUserId, userEvent } from './support/zitadel-events';

// Removals ZITADEL writes no user event for: `org.removed` (one event on the organisation) and the
// sweep's (a user ListUsers no longer lists). The sync suites reach this code through a fake Event
// API and a reconciler; here it is held directly, on Postgres.
let nextOrg = 336392597046200000n;
function newOrgId(): string {
  nextOrg += 1n;
  return String(nextOrg);
}

const orgEvent = (orgId: string, eventType: string, sequence = 9): IdentityEvent => ({
  aggregateType: 'org',
  aggregateId: orgId,
  sequence,
  eventType,
  resourceOwner: orgId,
  createdAt: new Date().toISOString(),
  payload: { name: 'Fan club' },
});

describe('removing users without a user event', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.drop();
  });
  const db = () => database.handle.db;
  const row = async (userId: string) =>
    (await db().select().from(users).where(eq(users.zitadelUserId, userId)))[0];
  const signUp = async (orgId: string) => {
    const userId = newUserId();
    await applyIdentityEvents(
      db(),
      [userEvent(userId, 1, 'user.human.added', addedPayload(`${userId}@x.io`), orgId)],
      'webhook',
    );
    return userId;
  };
  const erased = {
    state: 'removed',
    email: null,
    emailVerified: false,
    displayName: '',
    givenName: '',
    familyName: '',
  };

  it("keeps the organisation of a user's first event as the user's org", async () => {
    const orgId = newOrgId();
    const userId = await signUp(orgId);
    expect((await row(userId))?.orgId).toBe(orgId);
  });

  it('removes and erases every user of a removed organisation, and no one else', async () => {
    const orgId = newOrgId();
    const members = [await signUp(orgId), await signUp(orgId)];
    const outsider = await signUp(newOrgId());
    const removed = await applyOrgRemovals(db(), [orgEvent(orgId, 'org.removed')], 'webhook');
    expect(removed.sort()).toEqual([...members].sort());
    for (const member of members) {
      expect(await row(member)).toMatchObject(erased);
      const logged = await db()
        .select({ payload: identityEvents.payload })
        .from(identityEvents)
        .where(eq(identityEvents.aggregateId, member));
      expect(JSON.stringify(logged)).not.toContain(`${member}@x.io`);
    }
    expect(await row(outsider)).toMatchObject({ state: 'active', email: `${outsider}@x.io` });
    // The organisation's event is logged, without its name.
    const [logged] = await db()
      .select()
      .from(identityEvents)
      .where(eq(identityEvents.aggregateId, orgId));
    expect(logged).toMatchObject({
      aggregateType: 'org',
      eventType: 'org.removed',
      sequence: 9,
      source: 'webhook',
      payload: {},
    });
  });

  it('removes nobody again on a redelivery', async () => {
    const orgId = newOrgId();
    const member = await signUp(orgId);
    expect(await applyOrgRemovals(db(), [orgEvent(orgId, 'org.removed')], 'poll')).toEqual([
      member,
    ]);
    expect(await applyOrgRemovals(db(), [orgEvent(orgId, 'org.removed')], 'webhook')).toEqual([]);
    expect(await removeUsers(db(), [member])).toEqual([]);
    expect(
      await db().select().from(identityEvents).where(eq(identityEvents.aggregateId, orgId)),
    ).toHaveLength(1);
  });

  it('removes on org.removed only: other organisation events and user events remove nobody', async () => {
    const orgId = newOrgId();
    const member = await signUp(orgId);
    const others: IdentityEvent[] = [
      orgEvent(orgId, 'org.changed'),
      orgEvent(orgId, 'org.deactivated', 10),
      // A user aggregate whose id happens to be the org's: not an organisation's removal.
      { ...orgEvent(orgId, 'org.removed', 11), aggregateType: 'user' },
    ];
    expect(await applyOrgRemovals(db(), others, 'poll')).toEqual([]);
    expect(await row(member)).toMatchObject({ state: 'active' });
    expect(
      await db().select().from(identityEvents).where(eq(identityEvents.aggregateId, orgId)),
    ).toEqual([]);
  });

  it('makes the removal the newest write of every field: no late event brings a name back', async () => {
    const userId = await signUp(newOrgId());
    expect(await removeUsers(db(), [userId])).toEqual([userId]);
    expect(await row(userId)).toMatchObject({
      ...erased,
      emailSequence: REMOVED_SEQUENCE,
      emailVerifiedSequence: REMOVED_SEQUENCE,
      displayNameSequence: REMOVED_SEQUENCE,
      givenNameSequence: REMOVED_SEQUENCE,
      familyNameSequence: REMOVED_SEQUENCE,
      stateSequence: REMOVED_SEQUENCE,
    });
    const late = await applyIdentityEvents(
      db(),
      [
        userEvent(userId, 5, 'user.human.profile.changed', { firstName: 'Back' }, '1'),
        userEvent(userId, 6, 'user.reactivated', {}, '1'),
      ],
      'poll',
    );
    expect(late.map((result) => result.outcome)).toEqual(['stale', 'stale']);
    expect(await row(userId)).toMatchObject(erased);
  });

  it('drops the events kept for a user it removes: none of them can apply any more', async () => {
    const userId = newUserId();
    // Kept while the user has no row; the row then comes from GetOrCreate, not from an event.
    await applyIdentityEvents(db(), [userEvent(userId, 3, 'user.locked', {}, '1')], 'webhook');
    await db().insert(users).values({ zitadelUserId: userId, email: 'kept@x.io' });
    expect(await removeUsers(db(), [userId])).toEqual([userId]);
    expect(
      await db()
        .select()
        .from(pendingIdentityEvents)
        .where(inArray(pendingIdentityEvents.aggregateId, [userId])),
    ).toEqual([]);
  });

  it('removes nobody when given nobody', async () => {
    expect(await removeUsers(db(), [])).toEqual([]);
    expect(await applyOrgRemovals(db(), [], 'poll')).toEqual([]);
  });
});
