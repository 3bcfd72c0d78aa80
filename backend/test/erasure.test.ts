import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { identityEvents, users } from '../src/db/schema';
import { createLogger } from '../src/logger';
import { applyIdentityEvent, applyIdentityEvents } from '../src/provisioning/apply-identity-event';
import {
  expireEventPayloads,
  startPayloadRetention,
} from '../src/provisioning/erase-event-payloads';
import type { IdentityEvent } from '../src/provisioning/identity-event';
import { createTestDatabase, databaseKinds, type TestDatabase } from './support/test-databases';
import { addedPayload, newUserId, userEvent } from './support/zitadel-events';

// The shared builder, dated where a test needs its retention window.
const event = (
  userId: string,
  sequence: number,
  eventType: string,
  payload: Record<string, unknown> = {},
  createdAt?: string,
): IdentityEvent => {
  const built = userEvent(userId, sequence, eventType, payload);
  return createdAt === undefined ? built : { ...built, createdAt };
};

// What must not survive a removal, anywhere.
const PERSONAL = [
  'email',
  'userName',
  'firstName',
  'lastName',
  'nickName',
  'displayName',
  'gender',
];

describe.each(databaseKinds)('erasure on user.removed, on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });
  const db = () => database.handle.db;
  const row = async (userId: string) =>
    (await db().select().from(users).where(eq(users.zitadelUserId, userId)))[0];
  const payloads = async (userId: string) =>
    (
      await db()
        .select({ sequence: identityEvents.sequence, payload: identityEvents.payload })
        .from(identityEvents)
        .where(eq(identityEvents.aggregateId, userId))
        .orderBy(identityEvents.sequence)
    ).map((entry) => entry.payload as Record<string, unknown>);
  const expectErased = async (userId: string, id?: string) => {
    expect(await row(userId)).toMatchObject({
      ...(id ? { id } : {}),
      state: 'removed',
      email: null,
      emailVerified: false,
      displayName: '',
      givenName: '',
      familyName: '',
    });
    for (const payload of await payloads(userId)) {
      for (const key of PERSONAL) expect(payload).not.toHaveProperty(key);
    }
  };

  it('erases email and names from the row and every logged payload; the row and id stay', async () => {
    const userId = newUserId();
    await applyIdentityEvent(
      db(),
      event(userId, 1, 'user.human.added', addedPayload('a@x.io')),
      'webhook',
    );
    await applyIdentityEvent(
      db(),
      event(userId, 2, 'user.human.profile.changed', { firstName: 'Ada', nickName: 'A' }),
      'webhook',
    );
    const before = await row(userId);
    expect(before?.givenName).toBe('Ada');
    const removed = await applyIdentityEvent(
      db(),
      event(userId, 3, 'user.removed', { userName: 'a@x.io' }),
      'webhook',
    );
    expect(removed.outcome).toBe('applied');
    await expectErased(userId, before?.id);
    // What is not personal is kept: the log still tells what happened.
    expect((await payloads(userId))[0]).toMatchObject({ preferredLanguage: 'en' });
  });

  it('never brings names back: late older events, redeliveries, and a removal read first', async () => {
    const userId = newUserId();
    await applyIdentityEvents(
      db(),
      [
        event(userId, 4, 'user.removed'),
        event(userId, 1, 'user.human.added', addedPayload('b@x.io')),
      ],
      'poll',
    );
    await expectErased(userId);
    const late = await applyIdentityEvent(
      db(),
      event(userId, 2, 'user.human.profile.changed', { firstName: 'Back', lastName: 'Again' }),
      'webhook',
    );
    expect(late.outcome).toBe('stale');
    const redelivered = await applyIdentityEvents(
      db(),
      [
        event(userId, 1, 'user.human.added', addedPayload('b@x.io')),
        event(userId, 3, 'user.human.email.changed', { email: 'late@x.io' }),
      ],
      'poll',
    );
    expect(redelivered.map((result) => result.outcome)).toEqual(['duplicate', 'stale']);
    await expectErased(userId);
    expect(await payloads(userId)).toHaveLength(4);
  });
});

describe.each(databaseKinds)('identity event payload retention, on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('empties payloads older than the retention and keeps the log rows', async () => {
    const db = database.handle.db;
    const userId = newUserId();
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    await applyIdentityEvents(
      db,
      [
        event(userId, 1, 'user.human.added', addedPayload('old@x.io'), daysAgo(40)),
        event(userId, 2, 'user.human.profile.changed', { firstName: 'New' }, daysAgo(1)),
      ],
      'poll',
    );
    expect(await expireEventPayloads(db, 30)).toBe(1);
    const logged = await db
      .select({ sequence: identityEvents.sequence, payload: identityEvents.payload })
      .from(identityEvents)
      .where(eq(identityEvents.aggregateId, userId))
      .orderBy(identityEvents.sequence);
    expect(logged).toEqual([
      { sequence: 1, payload: {} },
      { sequence: 2, payload: { firstName: 'New' } },
    ]);
    // Nothing left to expire; the user row is untouched.
    expect(await expireEventPayloads(db, 30)).toBe(0);
    const [user] = await db
      .select({ email: users.email, givenName: users.givenName })
      .from(users)
      .where(eq(users.zitadelUserId, userId));
    expect(user).toEqual({ email: 'old@x.io', givenName: 'New' });
    // The expired event is still recognised when it is read again.
    const again = await applyIdentityEvent(
      db,
      event(userId, 1, 'user.human.added', addedPayload('old@x.io'), daysAgo(40)),
      'poll',
    );
    expect(again.outcome).toBe('duplicate');
  });

  it('runs as a job from start-up until stopped', async () => {
    const db = database.handle.db;
    const userId = newUserId();
    const old = new Date(Date.now() - 10 * 86_400_000).toISOString();
    await applyIdentityEvent(
      db,
      event(userId, 1, 'user.human.added', addedPayload('j@x.io'), old),
      'poll',
    );
    const job = startPayloadRetention({ db, days: 7, logger: createLogger('silent') });
    await vi.waitFor(async () => {
      const [entry] = await db
        .select({ payload: identityEvents.payload })
        .from(identityEvents)
        .where(eq(identityEvents.aggregateId, userId));
      expect(entry?.payload).toEqual({});
    });
    await job.stop();
  });
});
