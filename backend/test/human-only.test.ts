import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityEvents, users } from '../src/db/schema';
import { applyIdentityEvent, applyIdentityEvents } from '../src/provisioning/apply-identity-event';
import {
  createsUser,
  HANDLED_EVENT_TYPES,
  HUMAN_EVENT_PREFIX,
} from '../src/provisioning/identity-event';
import { FIELD_NAMES } from '../src/provisioning/user-fields';
import { foldEvents } from '../src/reconciler/fold-events';
import { createTestDatabase, databaseKinds, type TestDatabase } from './support/test-databases';
import { addedPayload, userEvent as event, newUserId } from './support/zitadel-events';

// ZITADEL's event types, as its source defines them (zitadel/zitadel, v4 layout):
// - internal/repository/user/human.go: humanEventPrefix = userEventTypePrefix + "human."
//   (HumanAddedType "user.human.added", HumanRegisteredType "user.human.selfregistered"), and the
//   human_profile.go / human_email.go events under the same prefix;
// - internal/repository/user/machine.go: machineEventPrefix = userEventTypePrefix + "machine."
//   (MachineAddedEventType "user.machine.added");
// - internal/repository/user/user.go: UserLockedType, UserUnlockedType, UserDeactivatedType,
//   UserReactivatedType, UserRemovedType directly under "user.", written for both kinds of user.
const ZITADEL_HUMAN_CREATION = ['user.human.added', 'user.human.selfregistered'];
const ZITADEL_MACHINE_CREATION = ['user.machine.added'];
const ZITADEL_SHARED_STATE = [
  'user.locked',
  'user.unlocked',
  'user.deactivated',
  'user.reactivated',
  'user.removed',
];

describe("contract with ZITADEL's event types", () => {
  it('lets exactly the human family create a user', () => {
    expect(HUMAN_EVENT_PREFIX).toBe('user.human.');
    for (const type of ZITADEL_HUMAN_CREATION) expect(createsUser({ eventType: type })).toBe(true);
    for (const type of [...ZITADEL_MACHINE_CREATION, ...ZITADEL_SHARED_STATE]) {
      expect(createsUser({ eventType: type })).toBe(false);
    }
    // Every followed event is either human-only or one of the shared state events.
    for (const type of HANDLED_EVENT_TYPES) {
      expect(type.startsWith(HUMAN_EVENT_PREFIX) || ZITADEL_SHARED_STATE.includes(type)).toBe(true);
    }
  });

  it('folds a machine user out of what ZITADEL says (drift compares humans only)', () => {
    const machine = newUserId();
    const human = newUserId();
    const folded = foldEvents([
      event(machine, 1, 'user.machine.added'),
      event(machine, 2, 'user.deactivated'),
      event(human, 2, 'user.locked'),
      event(human, 1, 'user.human.added', addedPayload('h@x.io')),
    ]);
    expect([...folded.keys()]).toEqual([human]);
    expect(folded.get(human)?.state).toBe('locked');
  });
});

describe.each(databaseKinds)('server-side provisioning creates humans only, on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });
  const db = () => database.handle.db;
  const rows = (userId: string) => db().select().from(users).where(eq(users.zitadelUserId, userId));
  const logged = (userId: string) =>
    db().select().from(identityEvents).where(eq(identityEvents.aggregateId, userId));

  it("keeps a machine user's state events aside: no row, nothing logged", async () => {
    const machine = newUserId();
    const results = await applyIdentityEvents(
      db(),
      [
        event(machine, 1, 'user.machine.added', { userName: 'svc' }),
        event(machine, 2, 'user.locked'),
        event(machine, 3, 'user.deactivated'),
        event(machine, 4, 'user.removed'),
      ],
      'backfill',
    );
    // A state event cannot tell a machine from a human whose signup has not arrived yet: it is kept
    // (pending_identity_events) for a user that never appears, and the sweep drops it.
    expect(results.map((result) => result.outcome)).toEqual([
      'ignored',
      'pending',
      'pending',
      'pending',
    ]);
    expect(await rows(machine)).toHaveLength(0);
    expect(await logged(machine)).toHaveLength(0);
  });

  it('defers a state event that arrives before the user, and applies it when the poll re-reads it', async () => {
    const userId = newUserId();
    const early = await applyIdentityEvent(db(), event(userId, 2, 'user.deactivated'), 'webhook');
    expect(early.outcome).toBe('pending');
    expect(await rows(userId)).toHaveLength(0);
    // The poll reads in creation order: the creation, then the deactivation.
    const polled = await applyIdentityEvents(
      db(),
      [
        event(userId, 1, 'user.human.added', addedPayload('late@x.io')),
        event(userId, 2, 'user.deactivated'),
      ],
      'poll',
    );
    expect(polled.map((result) => result.outcome)).toEqual(['applied', 'applied']);
    expect((await rows(userId))[0]).toMatchObject({ state: 'inactive', email: 'late@x.io' });
  });

  it('lets a human-only event create the user, and a state event update it', async () => {
    const userId = newUserId();
    const first = await applyIdentityEvent(
      db(),
      event(userId, 3, 'user.human.profile.changed', { firstName: 'Early' }),
      'webhook',
    );
    expect(first).toEqual({ outcome: 'applied', inserted: true });
    const locked = await applyIdentityEvent(db(), event(userId, 4, 'user.locked'), 'webhook');
    expect(locked.outcome).toBe('applied');
    expect((await rows(userId))[0]).toMatchObject({ givenName: 'Early', state: 'locked' });
  });

  // Drift compares this fold with the rows: a field no event set must fold to what a new row holds.
  it('folds a user known only from a profile change to the row its event makes', async () => {
    const userId = newUserId();
    const events = [event(userId, 3, 'user.human.profile.changed', { firstName: 'Early' })];
    await applyIdentityEvents(db(), events, 'poll');
    const [row] = await rows(userId);
    expect(row).toBeDefined();
    expect(foldEvents(events).get(userId)).toEqual({
      zitadelUserId: userId,
      ...Object.fromEntries(FIELD_NAMES.map((field) => [field, row?.[field]])),
    });
  });
});
