import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { identityEvents, users } from '../src/db/schema';
import { backendUnderTest } from './support/backend-under-test';
import { type DatabaseKind, databaseKinds } from './support/test-databases';
import { addedPayload, newUserId, sign, webhookBody } from './support/zitadel-events';

describe.each(databaseKinds)('webhook-only (reconciler off) on %s', (kind: DatabaseKind) => {
  const KEY = 'sweep-test-signing-key';
  const backend = backendUnderTest({ kind, server: { webhookSigningKeys: [KEY] } });
  const deliver = async (body: string) => {
    const response = await fetch(`${backend.server.baseUrl}/webhooks/zitadel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'zitadel-signature': sign(body, KEY) },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const row = async (userId: string) =>
    (
      await backend.database.handle.db.select().from(users).where(eq(users.zitadelUserId, userId))
    )[0];

  it('keeps a state event delivered before the signup, and applies it with the signup', async () => {
    const userId = newUserId();
    const locked = webhookBody({ userId, sequence: 3, eventType: 'user.locked' });
    expect(await deliver(locked)).toEqual({ status: 200, body: { outcome: 'pending' } });
    expect(await deliver(locked)).toEqual({ status: 200, body: { outcome: 'pending' } });
    expect(await row(userId)).toBeUndefined();
    const added = webhookBody({
      userId,
      sequence: 1,
      eventType: 'user.human.added',
      payload: addedPayload('early@example.com'),
    });
    expect((await deliver(added)).body).toEqual({ outcome: 'applied' });
    expect(await row(userId)).toMatchObject({ state: 'locked', email: 'early@example.com' });
    const logged = await backend.database.handle.db
      .select()
      .from(identityEvents)
      .where(eq(identityEvents.aggregateId, userId));
    expect(logged.map((event) => event.eventType).sort()).toEqual([
      'user.human.added',
      'user.locked',
    ]);
  });

  it('accepts org.removed: every user of the organisation is removed and erased', async () => {
    const org = '336392597046555555';
    const userId = newUserId();
    const added = JSON.parse(
      webhookBody({
        userId,
        sequence: 1,
        eventType: 'user.human.added',
        payload: addedPayload('member@example.com'),
      }),
    ) as Record<string, unknown>;
    expect((await deliver(JSON.stringify({ ...added, resourceOwner: org }))).status).toBe(200);
    const removal = JSON.stringify({
      aggregateID: org,
      aggregateType: 'org',
      resourceOwner: org,
      sequence: 9,
      event_type: 'org.removed',
      created_at: new Date().toISOString(),
      event_payload: { name: 'Fan club' },
    });
    expect(await deliver(removal)).toEqual({
      status: 200,
      body: { outcome: 'applied', usersRemoved: 1 },
    });
    expect(await row(userId)).toMatchObject({ state: 'removed', email: null, displayName: '' });
    // A redelivery removes nobody more and fails nothing.
    expect((await deliver(removal)).body).toEqual({ outcome: 'applied', usersRemoved: 0 });
  });
});
