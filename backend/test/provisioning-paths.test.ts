import { startTestEventApi } from '@liverty-music/test-support/fake-event-api';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityEvents, users } from '../src/db/schema';
import { syncEvents } from '../src/reconciler/sync-events';
import { createZitadelClient } from '../src/zitadel-api/zitadel-client';
import { backendUnderTest } from './support/backend-under-test';
import { addedPayload, newUserId, sign, webhookBody } from './support/zitadel-events';

const KEY = 'race-key';

// GetOrCreate (client), the webhook (push) and the reconciler (pull) all converge on one upsert.
describe('three provisioning paths racing for one user', () => {
  const backend = backendUnderTest({ maxConnections: 20, server: { webhookSigningKeys: [KEY] } });
  let api: Awaited<ReturnType<typeof startTestEventApi>>;

  beforeAll(async () => {
    api = await startTestEventApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('gives one row with converged fields, one created:true, each event logged once', async () => {
    for (let round = 0; round < 10; round++) {
      const userId = newUserId();
      const email = `race${userId}@example.com`;
      const added = {
        userId,
        sequence: 1,
        type: 'user.human.added',
        creationDate: new Date(Date.now() - 1000).toISOString(),
        payload: addedPayload(email),
      };
      const renamed = {
        userId,
        sequence: 2,
        type: 'user.human.profile.changed',
        creationDate: new Date().toISOString(),
        payload: { firstName: 'Mina', displayName: 'Mina Mouse' },
      };
      api.events.push(added, renamed);
      // userinfo already shows the newest state.
      const token = await backend.issuer.issue({
        sub: userId,
        email,
        given_name: 'Mina',
        family_name: 'Mouse',
        name: 'Mina Mouse',
      });

      const deliver = (event: typeof added | typeof renamed) => {
        const body = webhookBody({
          userId,
          sequence: event.sequence,
          eventType: event.type,
          payload: event.payload,
          createdAt: event.creationDate,
        });
        return fetch(`${backend.server.baseUrl}/webhooks/zitadel`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'zitadel-signature': sign(body, KEY) },
          body,
        }).then((response) => response.status);
      };
      const poll = () =>
        syncEvents({
          db: backend.database.handle.db,
          client: createZitadelClient({ apiUrl: api.url, pat: api.pat }),
          checkpoint: `race-${round}`,
          source: 'poll',
          overlapMs: 0,
        });
      const call = () =>
        backend.server
          .client()
          .getOrCreate({ isRegistration: true }, { headers: { authorization: `Bearer ${token}` } });

      const [first, renamedStatus, pollA, second, addedStatus, pollB] = await Promise.all([
        call(),
        deliver(renamed),
        poll(),
        call(),
        deliver(added),
        poll(),
      ]);
      expect([renamedStatus, addedStatus]).toEqual([200, 200]);
      expect(pollA.events + pollB.events).toBeGreaterThan(0);
      expect([first.created, second.created].filter(Boolean)).toHaveLength(1);
      expect(second.user?.id).toBe(first.user?.id);

      const rows = await backend.database.handle.db
        .select()
        .from(users)
        .where(eq(users.zitadelUserId, userId));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        email,
        givenName: 'Mina',
        familyName: 'Mouse',
        displayName: 'Mina Mouse',
        state: 'active',
      });
      const logged = await backend.database.handle.db
        .select()
        .from(identityEvents)
        .where(eq(identityEvents.aggregateId, userId));
      expect(logged.map((event) => event.sequence).sort()).toEqual([1, 2]);
    }
  });
});
