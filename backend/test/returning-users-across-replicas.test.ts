import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it, vi } from 'vitest';
import { backendUnderTest } from './support/backend-under-test';
import { newUserId, sign, webhookBody } from './support/zitadel-events';

const KEY = 'replica-key';

// Two backends on one Postgres, each answering returning users from memory
// (docs/decisions/027). The age bound is an hour here, so whatever a replica stops serving, it
// stopped serving because another replica's change was announced to it.
describe('returning users answered from memory by two replicas', () => {
  const backend = backendUnderTest({
    maxConnections: 20,
    replicas: 2,
    server: { webhookSigningKeys: [KEY], returningUserCacheMs: 3_600_000 },
  });

  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  async function deliver(replica: number, body: string) {
    const response = await fetch(`${backend.replicas[replica]?.baseUrl}/webhooks/zitadel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'zitadel-signature': sign(body, KEY) },
      body,
    });
    expect(response.status).toBe(200);
  }

  const [a, b] = [0, 1] as const;
  const client = (replica: number) => {
    const server = backend.replicas[replica];
    if (!server) throw new Error(`no replica ${replica}`);
    return server.client();
  };

  it('answers created: true to exactly one of many first calls, then false from memory', async () => {
    const sub = newUserId();
    const token = await backend.issuer.issue({
      sub,
      email: `${sub}@example.com`,
      name: 'Minnie Mouse',
    });
    const first = await Promise.all(
      Array.from({ length: 12 }, (_, i) => client(i % 2).getOrCreate({}, bearer(token))),
    );
    expect(first.filter((answer) => answer.created)).toHaveLength(1);
    const again = await Promise.all(
      Array.from({ length: 12 }, (_, i) => client(i % 2).getOrCreate({}, bearer(token))),
    );
    expect(again.filter((answer) => answer.created)).toHaveLength(0);
    expect(new Set([...first, ...again].map((answer) => answer.user?.id)).size).toBe(1);
  });

  it('refuses a user on one replica once another replica applied its removal', async () => {
    const sub = newUserId();
    const token = await backend.issuer.issue({
      sub,
      email: `${sub}@example.com`,
      name: 'Minnie Mouse',
    });
    await client(a).getOrCreate({}, bearer(token));
    // Served from A's memory from here on.
    expect((await client(a).getOrCreate({}, bearer(token))).user?.zitadelUserId).toBe(sub);

    await deliver(b, webhookBody({ userId: sub, sequence: 2, eventType: 'user.removed' }));

    await vi.waitFor(
      async () => {
        const refusal = await client(a)
          .getOrCreate({}, bearer(token))
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        expect(refusal).toBeInstanceOf(ConnectError);
        expect((refusal as ConnectError).code).toBe(Code.PermissionDenied);
      },
      { timeout: 5000 },
    );
    // GetMe, which reads the same memory, refuses too.
    await expect(client(a).getMe({}, bearer(token))).rejects.toMatchObject({
      code: Code.PermissionDenied,
    });
  });

  it('shows a profile changed through another replica', async () => {
    const sub = newUserId();
    const token = await backend.issuer.issue({
      sub,
      email: `${sub}@example.com`,
      name: 'Minnie Mouse',
    });
    await client(a).getOrCreate({}, bearer(token));
    expect((await client(a).getMe({}, bearer(token))).user?.displayName).toBe('Minnie Mouse');

    await deliver(
      b,
      webhookBody({
        userId: sub,
        sequence: 5,
        eventType: 'user.human.profile.changed',
        payload: { displayName: 'Mina Mouse' },
      }),
    );

    await vi.waitFor(
      async () =>
        expect((await client(a).getMe({}, bearer(token))).user?.displayName).toBe('Mina Mouse'),
      { timeout: 5000 },
    );
  });
});
