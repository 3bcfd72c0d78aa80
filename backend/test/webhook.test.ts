import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { identityEvents, users } from '../src/db/schema';
import { backendUnderTest } from './support/backend-under-test';
import { addedPayload, newUserId, sign, webhookBody } from './support/zitadel-events';

const KEY = 'dev-signing-key';
const OLD_KEY = 'previous-dev-signing-key';

describe('POST /webhooks/zitadel', () => {
  const backend = backendUnderTest({ server: { webhookSigningKeys: [KEY, OLD_KEY] } });

  function deliver(
    body: string,
    headers: Record<string, string> = { 'zitadel-signature': sign(body, KEY) },
  ) {
    return fetch(`${backend.server.baseUrl}/webhooks/zitadel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  }
  const userRow = async (userId: string) =>
    (
      await backend.database.handle.db.select().from(users).where(eq(users.zitadelUserId, userId))
    )[0];
  const logRows = async (userId: string) =>
    backend.database.handle.db
      .select()
      .from(identityEvents)
      .where(eq(identityEvents.aggregateId, userId));

  it('provisions a user from user.human.added and never stores the password hash', async () => {
    const userId = newUserId();
    const body = webhookBody({
      userId,
      sequence: 1,
      eventType: 'user.human.added',
      payload: addedPayload('a@example.com'),
    });
    const response = await deliver(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ outcome: 'applied' });
    expect(await userRow(userId)).toMatchObject({
      email: 'a@example.com',
      givenName: 'Minnie',
      displayName: 'Minnie Mouse',
      state: 'active',
      orgId: '336392597046099971',
      claimId: null,
    });
    const [logged] = await logRows(userId);
    expect(logged).toMatchObject({ source: 'webhook', sequence: 1, eventType: 'user.human.added' });
    expect(JSON.stringify(logged?.payload)).not.toMatch(/encodedHash|\$2a\$/);
    expect(logged?.payload).toMatchObject({ email: 'a@example.com', userName: 'a@example.com' });
  });

  it('accepts a v3-style base64 event_payload and a key being rotated out', async () => {
    const userId = newUserId();
    const payload = Buffer.from(JSON.stringify(addedPayload('b64@example.com'))).toString('base64');
    const body = webhookBody({
      userId,
      sequence: 1,
      eventType: 'user.human.selfregistered',
      payload,
    });
    const response = await deliver(body, { 'zitadel-signature': sign(body, OLD_KEY) });
    expect(response.status).toBe(200);
    expect((await userRow(userId))?.email).toBe('b64@example.com');
  });

  it('treats a duplicate delivery as a 2xx no-op', async () => {
    const userId = newUserId();
    const body = webhookBody({
      userId,
      sequence: 1,
      eventType: 'user.human.added',
      payload: addedPayload('dup@example.com'),
    });
    expect(await (await deliver(body)).json()).toEqual({ outcome: 'applied' });
    const before = await userRow(userId);
    const again = await deliver(body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ outcome: 'duplicate' });
    expect((await userRow(userId))?.updatedAt).toEqual(before?.updatedAt);
    expect(await logRows(userId)).toHaveLength(1);
  });

  it('converges when events arrive out of order', async () => {
    const userId = newUserId();
    const events = [
      webhookBody({ userId, sequence: 4, eventType: 'user.human.email.verified' }),
      webhookBody({
        userId,
        sequence: 3,
        eventType: 'user.human.email.changed',
        payload: { email: 'new@example.com' },
      }),
      webhookBody({
        userId,
        sequence: 2,
        eventType: 'user.human.profile.changed',
        payload: { firstName: 'Min' },
      }),
      webhookBody({
        userId,
        sequence: 1,
        eventType: 'user.human.added',
        payload: addedPayload('old@example.com'),
      }),
    ];
    for (const body of events) expect((await deliver(body)).status).toBe(200);
    expect(await userRow(userId)).toMatchObject({
      email: 'new@example.com', // seq 3 beats the added event's seq 1
      emailVerified: true, // seq 4 beats email.changed's "unverified" at seq 3
      givenName: 'Min', // seq 2 beats seq 1
      familyName: 'Mouse', // only seq 1 set it
      state: 'active',
    });
  });

  it('marks a removed user removed, keeps its row and id, and erases its email and names', async () => {
    const userId = newUserId();
    await deliver(
      webhookBody({
        userId,
        sequence: 1,
        eventType: 'user.human.added',
        payload: addedPayload('gone@example.com'),
      }),
    );
    const created = await userRow(userId);
    const response = await deliver(webhookBody({ userId, sequence: 2, eventType: 'user.removed' }));
    expect(await response.json()).toEqual({ outcome: 'applied' });
    expect(await userRow(userId)).toMatchObject({
      id: created?.id,
      email: null,
      displayName: '',
      givenName: '',
      familyName: '',
      state: 'removed',
    });
  });

  it.each([
    ['user.deactivated', 'inactive'],
    ['user.locked', 'locked'],
  ])('follows %s', async (eventType, state) => {
    const userId = newUserId();
    await deliver(
      webhookBody({
        userId,
        sequence: 1,
        eventType: 'user.human.added',
        payload: addedPayload(`${state}@example.com`),
      }),
    );
    await deliver(webhookBody({ userId, sequence: 2, eventType }));
    expect((await userRow(userId))?.state).toBe(state);
    await deliver(
      webhookBody({
        userId,
        sequence: 3,
        eventType: eventType === 'user.locked' ? 'user.unlocked' : 'user.reactivated',
      }),
    );
    expect((await userRow(userId))?.state).toBe('active');
  });

  it('ignores other event types with a 2xx and records nothing', async () => {
    const userId = newUserId();
    const response = await deliver(
      webhookBody({ userId, sequence: 1, eventType: 'user.human.password.changed' }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ outcome: 'ignored' });
    expect(await logRows(userId)).toHaveLength(0);
  });

  it.each([
    [
      'a stale timestamp',
      (body: string) => sign(body, KEY, Math.floor(Date.now() / 1000) - 301),
      'signature_stale',
    ],
    [
      'a future timestamp',
      (body: string) => sign(body, KEY, Math.floor(Date.now() / 1000) + 301),
      'signature_future',
    ],
    ['the wrong key', (body: string) => sign(body, 'attacker-key'), 'signature_mismatch'],
    ['a malformed header', () => 'v1=deadbeef', 'signature_malformed'],
  ])('refuses %s with 401 and writes nothing', async (_what, header, reason) => {
    const userId = newUserId();
    const body = webhookBody({
      userId,
      sequence: 1,
      eventType: 'user.human.added',
      payload: addedPayload('x@example.com'),
    });
    const response = await deliver(body, { 'zitadel-signature': header(body) });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe(reason);
    expect(await userRow(userId)).toBeUndefined();
  });

  it('refuses a missing signature and a tampered body', async () => {
    const userId = newUserId();
    const body = webhookBody({
      userId,
      sequence: 1,
      eventType: 'user.human.added',
      payload: addedPayload('t@example.com'),
    });
    expect((await deliver(body, {})).status).toBe(401);
    const tampered = body.replace('t@example.com', 'evil@example.com');
    expect((await deliver(tampered, { 'zitadel-signature': sign(body, KEY) })).status).toBe(401);
    expect(await userRow(userId)).toBeUndefined();
  });

  it('refuses an oversized body with 413 before verifying it', async () => {
    const body = JSON.stringify({ pad: 'x'.repeat(70 * 1024) });
    const response = await deliver(body);
    expect(response.status).toBe(413);
  });

  it('refuses a signed body that is not a valid event with 400', async () => {
    for (const body of ['not json', '{"aggregateID":"1"}', '[]']) {
      const response = await deliver(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_event');
    }
  });

  it('refuses an event whose id Postgres cannot store with 400 instead of rewriting it', async () => {
    // Tried: aggregate id 'x' + a lone surrogate; stripped, it would have named user 'x'.
    const userId = `${newUserId()}\udfff`;
    const response = await deliver(
      webhookBody({
        userId,
        sequence: 1,
        eventType: 'user.human.added',
        payload: addedPayload('lone@example.com'),
      }),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_event');
    expect(await userRow(userId.slice(0, -1))).toBeUndefined();
    expect(await logRows(userId.slice(0, -1))).toHaveLength(0);
  });

  it("keeps a machine user's state events aside: no row, nothing logged", async () => {
    const userId = newUserId();
    for (const [sequence, eventType] of [
      [1, 'user.machine.added'],
      [2, 'user.locked'],
      [3, 'user.deactivated'],
      [4, 'user.removed'],
    ] as const) {
      const response = await deliver(webhookBody({ userId, sequence, eventType }));
      // user.machine.added is not followed; the state events wait for a user that never comes.
      expect(await response.json()).toEqual({
        outcome: eventType === 'user.machine.added' ? 'ignored' : 'pending',
      });
    }
    expect(await userRow(userId)).toBeUndefined();
    expect(await logRows(userId)).toHaveLength(0);
  });

  it('counts rejections by reason in /metrics', async () => {
    const text = await (await fetch(backend.server.metricsUrl)).text();
    expect(text).toMatch(/liverty_webhook_rejections_total\{reason="signature_stale"\} [1-9]/);
    expect(text).toMatch(/liverty_users_provisioned_total\{source="webhook"\} [1-9]/);
  });
});
