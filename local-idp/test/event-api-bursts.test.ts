import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalIdp } from '../src/index';
import { at, keys, micros, search } from './support/event-search';
import { startTestIdp } from './support/temp-data-dir';

// Dense histories against the local identity provider's Event API: bursts at one instant,
// paging limits, and late-committing transactions (contract rules as in event-api.test.ts).

describe('dense histories: bursts and paging limits', () => {
  let idp: LocalIdp;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ idp, stop } = await startTestIdp());
  });
  afterAll(() => stop());

  async function burst(body: unknown) {
    const response = await fetch(new URL('/__dev/users/_burst', idp.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as {
        users: { id: string; email: string }[];
        password: string;
        firstCreationDate: string;
        lastCreationDate: string;
        error?: string;
      },
    };
  }

  // A bulk import commits thousands of events in one transaction: one created_at for all
  // (cmd/setup/40/02_func.sql); internal/api/grpc/admin/event.go caps a page at 1000 (maxLimit),
  // also for limit 0.
  it('writes a burst in one transaction at one instant, and pages hold at most 1000 events', async () => {
    const { status, body } = await burst({ count: 600 });
    expect(status).toBe(201);
    expect(body.users).toHaveLength(600);
    expect(body.firstCreationDate).toBe(body.lastCreationDate);
    const ids = new Set(body.users.map((user) => user.id));
    const events = idp.events.all().filter((event) => ids.has(event.aggregateId));
    expect(events).toHaveLength(1200);
    expect(new Set(events.map((event) => event.creationDate))).toEqual(
      new Set([body.firstCreationDate]),
    );
    // Per aggregate, added is 1 and the verification 2, in write order (in_tx_order).
    expect(events.slice(0, 4).map((event) => [event.sequence, event.type])).toEqual([
      [1, 'user.human.added'],
      [2, 'user.human.email.verified'],
      [1, 'user.human.added'],
      [2, 'user.human.email.verified'],
    ]);

    for (const limit of [0, 1001, 5000]) {
      expect((await search(idp, { asc: true, limit })).events, `limit ${limit}`).toHaveLength(1000);
    }
    expect((await search(idp, { asc: true, limit: 7 })).events).toHaveLength(7);
    // Within one instant ascending follows write order, descending reverses it.
    const asc = await search(idp, { asc: true, limit: 1000 });
    const desc = await search(idp, { asc: false, limit: 1000 });
    const all = keys(idp.events.search({ asc: true, limit: 1000 }).events ?? []);
    expect(keys(asc.events)).toEqual(all);
    expect(keys(desc.events).slice(0, 200)).toEqual(
      keys(
        idp.events.all().map((event) => ({
          aggregate: { id: event.aggregateId },
          sequence: String(event.sequence),
          type: { type: event.type },
        })),
      )
        .reverse()
        .slice(0, 200),
    );
    // `from` exclusive cannot page past the instant: the next page after it is empty.
    expect((await search(idp, { asc: true, from: body.firstCreationDate })).events).toEqual([]);
  });

  it('writes a paced burst as one signup command per user: two events per instant', async () => {
    const { status, body } = await burst({ count: 300, perSecond: 2000, emailPrefix: 'paced' });
    expect(status).toBe(201);
    const ids = new Set(body.users.map((user) => user.id));
    const events = idp.events.all().filter((event) => ids.has(event.aggregateId));
    const byInstant = new Map<string, string[]>();
    for (const event of events) {
      byInstant.set(event.creationDate, [...(byInstant.get(event.creationDate) ?? []), event.type]);
    }
    expect(byInstant.size).toBe(300);
    for (const types of byInstant.values()) {
      expect(types).toEqual(['user.human.added', 'user.human.email.verified']);
    }
    // Paced at 2,000/s: 300 signups span about 150 ms of creation dates.
    const span = micros(body.lastCreationDate) - micros(body.firstCreationDate);
    expect(span).toBeGreaterThanOrEqual(140_000n);
    expect(span).toBeLessThan(5_000_000n);
    // Burst users can sign in with the shared dev password.
    expect(body.password).toMatch(/\d/);
  });

  // A transaction's events carry its start time (cmd/setup/40/02_func.sql: NOW() is the
  // transaction's time), so a transaction that commits late lands before events already visible.
  it('writes a late-committing transaction with a creation date before events already written', async () => {
    const newest = idp.events.all().at(-1)?.creationDate ?? '';
    const { status, body } = await burst({ count: 2, lateByMs: 60_000, emailPrefix: 'late' });
    expect(status).toBe(201);
    expect(micros(body.firstCreationDate)).toBeLessThan(micros(newest));
    // Reading on from the newest date no longer sees it; reading the last minute again does.
    expect((await search(idp, { asc: true, from: newest })).events).toEqual([]);
    const again = await search(idp, {
      asc: true,
      from: at(micros(newest) - 120_000_000n),
      event_types: ['user.human.added'],
      limit: 1000,
    });
    const lateIds = new Set(body.users.map((user) => user.id));
    expect(again.events.filter((event) => lateIds.has(event.aggregate?.id ?? ''))).toHaveLength(2);
    const dates = again.events.map((event) => micros(event.creationDate));
    expect([...dates].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(dates);
  });

  it('validates a burst request', async () => {
    for (const bad of [
      {},
      { count: 0 },
      { count: 'ten' },
      { count: 10, perSecond: -1 },
      { count: 10, colour: 'blue' },
      { count: 10, perSecond: 5, lateByMs: 1000 },
    ]) {
      const { status, body } = await burst(bad);
      expect(status, JSON.stringify(bad)).toBe(400);
      expect(body.error).toBe('invalid_argument');
    }
    expect((await burst({ count: 2, emailPrefix: 'paced' })).status).toBe(409);
  });
});
