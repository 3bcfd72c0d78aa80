import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open-database';
import {
  addHumanUserContext,
  functionContext,
  startActionsServer,
  startBlackHole,
} from './support/action-calls';
import { PASSWORD } from './support/action-targets-backend';
import { startTestIssuer } from './support/test-issuer';
import { newUserId } from './support/zitadel-events';

describe('identity enricher with the database down', () => {
  it('answers 503 at once when Postgres refuses connections, and creates nothing', async () => {
    const issuer = await startTestIssuer();
    // Port 1: nothing listens, the connection is refused.
    const handle = await openDatabase({
      url: 'postgres://postgres@127.0.0.1:1/none',
      pgliteDir: 'x',
    });
    const server = await startActionsServer({
      database: handle,
      issuer: issuer.issuer,
      audience: ['a'],
    });
    try {
      const response = await server.call(
        'preaccesstoken',
        functionContext({ userId: newUserId() }),
      );
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: 'unavailable' });
    } finally {
      await server.close();
      await handle.close();
      await issuer.close();
    }
  });

  it('gives up on a database that never answers, then leaves it alone for a while', async () => {
    const issuer = await startTestIssuer();
    const blackHole = await startBlackHole();
    const handle = await openDatabase({ url: blackHole.url, pgliteDir: 'x' });
    const server = await startActionsServer({
      database: handle,
      issuer: issuer.issuer,
      audience: ['a'],
      deadlineMs: 250,
    });
    try {
      // One slow call is not an outage; three in a row that ran out of budget are.
      for (let i = 0; i < 3; i++) {
        const timedOut = await server.call(
          'preaccesstoken',
          functionContext({ userId: newUserId() }),
        );
        expect(timedOut.status).toBe(503);
      }
      const connectionsAfterFirst = blackHole.connections();
      expect(connectionsAfterFirst).toBeGreaterThan(0);
      // Backing off: the next calls do not even try the database.
      for (let i = 0; i < 5; i++) {
        const next = await server.call('preuserinfo', functionContext({ userId: newUserId() }));
        expect(next.status).toBe(503);
      }
      expect(blackHole.connections()).toBe(connectionsAfterFirst);
      // The signup policy needs no database and keeps working.
      const policy = await server.call(
        'add-human-user',
        addHumanUserContext({ email: 'fine@example.com', password: PASSWORD }),
      );
      expect(policy.status).toBe(200);
    } finally {
      await server.close();
      await blackHole.close();
      await handle.close().catch(() => {});
      await issuer.close();
    }
  });
});
