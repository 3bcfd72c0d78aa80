import { startTestIssuer, type TestIssuer } from '@liverty-music/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBackend, startBackend } from './support/backend-process';
import { callUserService, createDispatcher, type UserMethod } from './support/call-backend';
import { createTally } from './support/fault-tally';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { attacks, profile } from './support/token-attack-catalogue';

// The backend's verification matrix, re-run against the real process over HTTP: every attack
// through both RPCs and both wire formats, each answer counted, and the database checked for
// rows after every attack.
const tally = createTally('token attacks');

let issuer: TestIssuer;
let database: ScratchDatabase;
let backend: RunningBackend;
const dispatcher = createDispatcher(16);

beforeAll(async () => {
  issuer = await startTestIssuer();
  database = await createScratchDatabase();
  backend = await startBackend({
    databaseUrl: database.url,
    issuer: issuer.issuer,
    audience: issuer.audience,
  });
});

afterAll(async () => {
  await backend?.stop();
  await dispatcher.close();
  await issuer?.close();
  await database?.drop();
});

async function rowCounts() {
  const [row] = await database.sql<{ users: number; events: number }[]>`
    select (select count(*)::int from users) as users,
           (select count(*)::int from identity_events) as events`;
  return row ?? { users: -1, events: -1 };
}

describe('every token attack over HTTP is unauthenticated and writes no row', () => {
  const calls: [UserMethod, 'json' | 'proto'][] = [
    ['GetOrCreate', 'json'],
    ['GetOrCreate', 'proto'],
    ['GetMe', 'json'],
    ['GetMe', 'proto'],
  ];

  it.for(attacks)('$name', async (attack) => {
    for (const [method, format] of calls) {
      // A fresh token per call: a userinfo answer cached for one call must not mask the next.
      const authorization = await attack.authorization(issuer);
      const exchange = await callUserService(backend.baseUrl, method, {
        authorization,
        format,
        timeoutMs: 10_000,
        dispatcher,
      });
      const expected = attack.expectStatus
        ? exchange.status === attack.expectStatus
        : exchange.status === 401 && exchange.code === 'unauthenticated';
      if (expected) tally.rejected();
      else {
        tally.unexpected(
          `${attack.name} via ${method}/${format}: HTTP ${exchange.status} ${exchange.code ?? exchange.failure ?? ''}`,
        );
      }
      expect(
        { status: exchange.status, code: exchange.code, failure: exchange.failure },
        `${attack.name} via ${method}/${format}`,
      ).toMatchObject(
        attack.expectStatus
          ? { status: attack.expectStatus }
          : { status: 401, code: 'unauthenticated' },
      );
    }
    const counts = await rowCounts();
    tally.counts.rowsExtra += counts.users;
    expect(counts, `rows after ${attack.name}`).toEqual({ users: 0, events: 0 });
  });

  it('still accepts a valid token afterwards (the control case) and writes exactly one row', async () => {
    const token = await issuer.issue(profile);
    const exchange = await callUserService(backend.baseUrl, 'GetOrCreate', {
      token,
      timeoutMs: 10_000,
      dispatcher,
    });
    expect(exchange.status).toBe(200);
    expect(exchange.json).toMatchObject({ created: true, user: { zitadelUserId: profile.sub } });
    tally.accepted();
    expect((await rowCounts()).users).toBe(1);
    expect(backend.isAlive()).toBe(true);
    expect(backend.errorLines(), 'error-level log lines').toEqual([]);
  });
});
