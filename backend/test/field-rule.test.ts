import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../src/db/schema';
import { applyIdentityEvents } from '../src/provisioning/apply-identity-event';
import { createsUser, type IdentityEvent } from '../src/provisioning/identity-event';
import { FIELD_NAMES } from '../src/provisioning/user-fields';
import { foldEvents } from '../src/reconciler/fold-events';
import { createTestDatabase, databaseKinds, type TestDatabase } from './support/test-databases';
import { addedPayload, newUserId } from './support/zitadel-events';

// A small seeded generator, so a failing order can be replayed from its seed.
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STEPS: ((next: () => number) => [string, Record<string, unknown>])[] = [
  (next) => [
    'user.human.profile.changed',
    Object.fromEntries(
      [
        ['firstName', `F${Math.floor(next() * 100)}`],
        ['lastName', `L${Math.floor(next() * 100)}`],
        ['displayName', `D${Math.floor(next() * 100)}`],
      ].filter(() => next() < 0.6),
    ),
  ],
  (next) => ['user.human.email.changed', { email: `e${Math.floor(next() * 1000)}@example.com` }],
  () => ['user.human.email.verified', {}],
  () => ['user.deactivated', {}],
  () => ['user.reactivated', {}],
  () => ['user.locked', {}],
  () => ['user.unlocked', {}],
];

/** One user's history as ZITADEL writes it: created first, removal (if any) last. */
function history(next: () => number, human: boolean): IdentityEvent[] {
  const userId = newUserId();
  const types: [string, Record<string, unknown>][] = [
    human
      ? [
          next() < 0.5 ? 'user.human.added' : 'user.human.selfregistered',
          addedPayload(`${userId}@example.com`, `G${userId.slice(-3)}`),
        ]
      : ['user.machine.added', { userName: `svc-${userId}` }],
  ];
  const length = Math.floor(next() * 8);
  for (let step = 0; step < length; step++) {
    const make = STEPS[Math.floor(next() * STEPS.length)] as (typeof STEPS)[number];
    const [type, payload] = make(next);
    if (!human && type.startsWith('user.human.')) continue;
    types.push([type, payload]);
  }
  if (next() < 0.3) types.push(['user.removed', { userName: `${userId}@example.com` }]);
  return types.map(([eventType, payload], index) => ({
    aggregateType: 'user',
    aggregateId: userId,
    sequence: index + 1,
    eventType,
    resourceOwner: '336392597046099971',
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
    payload,
  }));
}

/**
 * Any delivery order, with redeliveries, in which each human's first delivery is one of its
 * `user.human.*` events: a state event arriving before the app has the user is not applied (a
 * machine user's could not be told apart), and the poll re-reads it after the creation.
 */
function deliveryOrder(next: () => number, events: IdentityEvent[]): IdentityEvent[] {
  const order = [...events, ...events.filter(() => next() < 0.15)];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j] as IdentityEvent, order[i] as IdentityEvent];
  }
  const seen = new Set<string>();
  order.forEach((event, index) => {
    if (seen.has(event.aggregateId)) return;
    seen.add(event.aggregateId);
    const creator = order.findIndex((e) => e.aggregateId === event.aggregateId && createsUser(e));
    if (creator > index) [order[index], order[creator]] = [order[creator] as IdentityEvent, event];
  });
  return order;
}

describe.each(databaseKinds)('the per-field rule, in memory and on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it.each([1, 2, 3, 4, 5, 6])(
    'folds random delivery orders to the same users both ways (seed %i)',
    async (seed) => {
      const next = random(seed);
      const events = Array.from({ length: 25 }, () => history(next, next() < 0.8)).flat();
      const order = deliveryOrder(next, events);
      // In batches of random size, as webhooks (one) and poll pages (many) deliver them.
      for (let start = 0; start < order.length; ) {
        const size = 1 + Math.floor(next() * 12);
        await applyIdentityEvents(database.handle.db, order.slice(start, start + size), 'poll');
        start += size;
      }
      const expected = foldEvents(order);
      const ids = [...new Set(events.map((event) => event.aggregateId))];
      const rows = await database.handle.db
        .select()
        .from(users)
        .where(inArray(users.zitadelUserId, ids));
      expect(rows.map((row) => row.zitadelUserId).sort()).toEqual([...expected.keys()].sort());
      for (const row of rows) {
        const fields = Object.fromEntries(FIELD_NAMES.map((field) => [field, row[field]]));
        expect({ id: row.zitadelUserId, ...fields }).toEqual({
          id: row.zitadelUserId,
          ...Object.fromEntries(
            FIELD_NAMES.map((field) => [field, expected.get(row.zitadelUserId)?.[field]]),
          ),
        });
      }
      // The generator made machine users and removals, so both rules were exercised.
      expect(expected.size).toBeLessThan(ids.length);
    },
  );
});
