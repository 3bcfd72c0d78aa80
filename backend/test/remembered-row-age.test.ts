import { randomUUID } from 'node:crypto';
import { createClient, createRouterTransport } from '@connectrpc/connect';
import { UserService } from '@liverty-music/gen/user/v1';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { APP_USER_ID_CLAIM } from '../src/auth/app-user-id-claim';
import { createTokenAuthentication } from '../src/auth/create-token-authentication';
import { users } from '../src/db/schema';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/observability/metrics';
import { createRoutes } from '../src/routes';
import { createTestDatabase, type TestDatabase } from './support/test-databases';
import { startTestIssuer, TEST_CLIENT_ID, type TestIssuer } from './support/test-issuer';
import { newUserId } from './support/zitadel-events';

// The user service's routes as the server mounts them, on a clock the test moves: the bound on
// how long a returning user is answered from memory (docs/decisions/027) counts from the read.
describe('a row answered from memory', () => {
  const clock = { now: 5_000_000 };
  let issuer: TestIssuer;
  let database: TestDatabase;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await issuer?.close();
    await database?.drop();
  });

  // Built in each test, not once for the file: the service's wiring is then part of what each
  // test runs (the mutation run takes code run only in a hook for static, and ignores it).
  function serviceClient() {
    const logger = createLogger('silent');
    return createClient(
      UserService,
      createRouterTransport(
        createRoutes({
          database: database.handle,
          authenticate: createTokenAuthentication(
            { issuer: issuer.issuer, audience: [issuer.audience], clientIds: [TEST_CLIENT_ID] },
            logger,
          ),
          logger,
          metrics: createMetrics(),
          returningUserCacheMs: 10_000,
          now: () => clock.now,
        }),
      ),
    );
  }

  // A rename nobody announces (triggers off): an answer with the old name came from memory.
  const renameUnannounced = (sub: string, displayName: string) =>
    database.handle.db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.update(users).set({ displayName }).where(eq(users.zitadelUserId, sub));
    });

  it('does not renew its own age: the row is read again once the bound since the read has passed', async () => {
    const sub = newUserId();
    const [row] = await database.handle.db
      .insert(users)
      .values({ zitadelUserId: sub, displayName: 'Minnie Mouse', claimId: randomUUID() })
      .returning();
    const headers = {
      authorization: `Bearer ${await issuer.issue({ sub }, { claims: { [APP_USER_ID_CLAIM]: row?.id } })}`,
    };
    const client = serviceClient();
    const name = async () => (await client.getOrCreate({}, { headers })).user?.displayName;

    // Remembered at 5 000 000 once the cache listens; it lives 8 to 10 s from then.
    let remembered = '';
    await vi.waitFor(async () => {
      remembered = (await name()) ?? '';
      await renameUnannounced(sub, `${remembered}+`);
      expect(await name()).toBe(remembered);
    });

    // Answered from memory 7 s after the read ...
    clock.now += 7_000;
    expect(await name()).toBe(remembered);
    // ... which does not start the bound again: 10 s after the read, the row is read afresh.
    clock.now += 3_000;
    expect(await name()).toBe(`${remembered}+`);
  });

  it('answers GetMe from memory too, once the row is remembered', async () => {
    const sub = newUserId();
    await database.handle.db
      .insert(users)
      .values({ zitadelUserId: sub, displayName: 'Minnie Mouse', claimId: randomUUID() });
    const headers = { authorization: `Bearer ${await issuer.issue({ sub })}` };
    const client = serviceClient();
    const name = async () => (await client.getMe({}, { headers })).user?.displayName;
    await vi.waitFor(async () => {
      const read = await name();
      await renameUnannounced(sub, `${read}+`);
      expect(await name()).toBe(read);
    });
  });
});
