import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createSignupPolicy } from '../src/actions/signup-policy';
import { users } from '../src/db/schema';
import { addHumanUserContext, functionContext } from './support/action-calls';
import { PASSWORD } from './support/action-targets-backend';
import { backendUnderTest } from './support/backend-under-test';
import { addedPayload, newUserId, sign, webhookBody } from './support/zitadel-events';

describe('a target without signing keys', () => {
  const backend = backendUnderTest({
    kind: 'pglite',
    server: {
      actions: {
        signingKeys: { preaccesstoken: [], preuserinfo: [], 'add-human-user': ['policy-only'] },
        clientIds: [],
        policy: createSignupPolicy({ reservedUsernames: ['admin'], blockedEmailDomains: [] }),
      },
    },
  });

  it('answers 404 while the targets that have keys answer', async () => {
    const body = functionContext({ userId: newUserId() });
    // Signed with the one key there is: still no enricher without its own key.
    const enricher = await fetch(`${backend.server.baseUrl}/actions/zitadel/preaccesstoken`, {
      method: 'POST',
      headers: { 'zitadel-signature': sign(body, 'policy-only') },
      body,
    });
    expect(enricher.status).toBe(404);
    const policyBody = addHumanUserContext({ email: 'x@example.com', password: PASSWORD });
    const policy = await fetch(`${backend.server.baseUrl}/actions/zitadel/add-human-user`, {
      method: 'POST',
      headers: { 'zitadel-signature': sign(policyBody, 'policy-only') },
      body: policyBody,
    });
    expect(policy.status).toBe(200);
  });
});

describe('the webhook and the Actions targets', () => {
  const backend = backendUnderTest({
    kind: 'pglite',
    server: {
      webhookSigningKeys: ['webhook-key'],
      actions: {
        signingKeys: { preaccesstoken: ['enricher-key'], preuserinfo: [], 'add-human-user': [] },
        clientIds: [],
        policy: createSignupPolicy({ reservedUsernames: [], blockedEmailDomains: [] }),
      },
    },
  });
  const post = (path: string, body: string, key: string) =>
    fetch(`${backend.server.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'zitadel-signature': sign(body, key) },
      body,
    });

  it('never accept each other’s keys: a webhook key on the enricher, an enricher key on the webhook', async () => {
    const userId = newUserId();
    const context = functionContext({ userId });
    expect((await post('/actions/zitadel/preaccesstoken', context, 'webhook-key')).status).toBe(
      401,
    );
    const event = webhookBody({
      userId,
      sequence: 1,
      eventType: 'user.human.added',
      payload: addedPayload('minnie@example.com'),
    });
    expect((await post('/webhooks/zitadel', event, 'enricher-key')).status).toBe(401);
    expect(
      await backend.database.handle.db.select().from(users).where(eq(users.zitadelUserId, userId)),
    ).toHaveLength(0);
    // Each with its own key: both accepted.
    expect((await post('/actions/zitadel/preaccesstoken', context, 'enricher-key')).status).toBe(
      200,
    );
    expect((await post('/webhooks/zitadel', event, 'webhook-key')).status).toBeLessThan(300);
  });
});

describe('an oversized body on an Actions target', () => {
  const backend = backendUnderTest({
    kind: 'pglite',
    server: {
      actions: {
        signingKeys: { preaccesstoken: ['a'], preuserinfo: ['b'], 'add-human-user': ['c'] },
        clientIds: [],
        policy: createSignupPolicy({ reservedUsernames: [], blockedEmailDomains: [] }),
      },
    },
  });

  // Tried: 300 KiB of padding (the limit is 256 KiB), signed and unsigned, on each target.
  it('is refused with 413 before its signature is checked, and the targets keep answering', async () => {
    const huge = JSON.stringify({ pad: 'x'.repeat(300 * 1024) });
    for (const [target, key] of [
      ['preaccesstoken', 'a'],
      ['preuserinfo', 'b'],
      ['add-human-user', 'c'],
    ] as const) {
      const unsigned: Record<string, string> = {};
      for (const headers of [unsigned, { 'zitadel-signature': sign(huge, key) }]) {
        const response = await fetch(`${backend.server.baseUrl}/actions/zitadel/${target}`, {
          method: 'POST',
          headers,
          body: huge,
        });
        expect(response.status, target).toBe(413);
        expect(await response.json()).toMatchObject({ error: 'too_large' });
      }
    }
    const body = addHumanUserContext({ email: 'after@example.com', password: PASSWORD });
    const after = await fetch(`${backend.server.baseUrl}/actions/zitadel/add-human-user`, {
      method: 'POST',
      headers: { 'zitadel-signature': sign(body, 'c') },
      body,
    });
    expect(after.status).toBe(200);
  });
});
