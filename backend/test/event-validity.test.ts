import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityEvents } from '../src/db/schema';
import { applyIdentityEvents } from '../src/provisioning/apply-identity-event';
import { type IdentityEvent, whyInvalid } from '../src/provisioning/identity-event';
import { createTestDatabase, type TestDatabase } from './support/test-databases';
import { addedPayload, newUserId } from './support/zitadel-events';

// An event that cannot be applied is skipped (`invalid`) so it cannot block a poll page; one that
// can must never be skipped. The bounds are what Postgres stores and what ZITADEL writes.
const event = (overrides: Partial<IdentityEvent> = {}): IdentityEvent => ({
  aggregateType: 'user',
  aggregateId: '336392597046100099',
  sequence: 1,
  eventType: 'user.human.added',
  resourceOwner: '336392597046099971',
  createdAt: '2026-12-07T10:00:00.123456Z',
  payload: {},
  ...overrides,
});

describe('which events can be applied at all', () => {
  it('takes sequences from 1 to the largest safe integer', () => {
    expect(whyInvalid(event({ sequence: 1 }))).toBeUndefined();
    expect(whyInvalid(event({ sequence: Number.MAX_SAFE_INTEGER }))).toBeUndefined();
    for (const sequence of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) {
      expect(whyInvalid(event({ sequence }))).toBe('sequence out of range');
    }
  });

  it('takes creation dates from year 1 to year 9999, both ends included', () => {
    for (const createdAt of [
      '0001-01-01T00:00:00Z',
      '1850-06-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
    ]) {
      expect(whyInvalid(event({ createdAt }))).toBeUndefined();
    }
    for (const createdAt of [
      '0000-12-31T23:59:59.999Z',
      '+010000-01-01T00:00:00Z',
      'yesterday',
      '',
    ]) {
      expect(whyInvalid(event({ createdAt }))).toBe('creation date out of range');
    }
  });

  it('takes aggregate ids of 1 to 200 characters', () => {
    expect(whyInvalid(event({ aggregateId: '7' }))).toBeUndefined();
    expect(whyInvalid(event({ aggregateId: '7'.repeat(200) }))).toBeUndefined();
    expect(whyInvalid(event({ aggregateId: '' }))).toBe('aggregate id out of range');
    expect(whyInvalid(event({ aggregateId: '7'.repeat(201) }))).toBe('aggregate id out of range');
  });

  it('refuses NUL or a lone surrogate in any id or type, and takes a missing owner', () => {
    const refused = 'id or type holds text Postgres cannot store';
    for (const bad of ['a\u0000b', 'a\ud800', '\udfffa']) {
      expect(whyInvalid(event({ aggregateType: bad }))).toBe(refused);
      expect(whyInvalid(event({ aggregateId: `7${bad}` }))).toBe(refused);
      expect(whyInvalid(event({ eventType: bad }))).toBe(refused);
      expect(whyInvalid(event({ resourceOwner: bad }))).toBe(refused);
    }
    // A surrogate pair is well formed; an org-less event is valid.
    expect(whyInvalid(event({ resourceOwner: 'org 🐭' }))).toBeUndefined();
    expect(whyInvalid(event({ resourceOwner: null }))).toBeUndefined();
  });
});

describe('the date bounds are what Postgres stores', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('applies and logs events dated in year 1 and on the last day of 9999', async () => {
    const ids = [newUserId(), newUserId()] as const;
    const results = await applyIdentityEvents(
      database.handle.db,
      [
        event({
          aggregateId: ids[0],
          createdAt: '0001-01-01T00:00:00Z',
          payload: addedPayload('y1@x.io'),
        }),
        event({
          aggregateId: ids[1],
          createdAt: '9999-12-31T23:59:59.999Z',
          payload: addedPayload('y9999@x.io'),
        }),
      ],
      'poll',
    );
    expect(results.map((result) => result.outcome)).toEqual(['applied', 'applied']);
    // Read as text: a JavaScript Date parsed from Postgres' output takes year 1 for 2001.
    const logged = await database.handle.db
      .select({
        at: sql<string>`to_char(${identityEvents.eventTime} at time zone 'UTC', 'YYYY-MM-DD')`,
      })
      .from(identityEvents)
      .where(inArray(identityEvents.aggregateId, ids))
      .orderBy(identityEvents.eventTime);
    expect(logged.map((entry) => entry.at)).toEqual(['0001-01-01', '9999-12-31']);
  });
});
