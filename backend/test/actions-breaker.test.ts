import { describe, expect, it, vi } from 'vitest';
import { createIdentityEnricher } from '../src/actions/enrich-identity';
import { parseFunctionCall } from '../src/actions/parse-action-bodies';
import { isDatabaseUnavailable } from '../src/db/is-database-unavailable';
import { openDatabase } from '../src/db/open-database';
import { functionContext, startBlackHole } from './support/action-calls';
import { createTestDatabase } from './support/test-databases';
import { newUserId } from './support/zitadel-events';

describe('the enricher’s database breaker', () => {
  it('after backing off, lets one probe try the database while the others still fail fast', async () => {
    // The back-off is read from the clock: the test moves the clock instead of waiting it out.
    vi.useFakeTimers({ toFake: ['Date'] });
    const blackHole = await startBlackHole();
    const handle = await openDatabase({ url: blackHole.url, pgliteDir: 'x' });
    const backOffMs = 2000;
    const enrich = createIdentityEnricher({
      database: handle,
      clientIds: [],
      isUnavailable: isDatabaseUnavailable,
      deadlineMs: 50,
      backOffMs,
    });
    const call = () =>
      enrich(parseFunctionCall(Buffer.from(functionContext({ userId: newUserId() })))).then(
        () => 'answered',
        (error: Error) => error.message,
      );
    try {
      for (let i = 0; i < 3; i++) expect(await call()).toMatch(/did not answer in 50 ms/);
      expect(await call()).toMatch(/backing off/);
      vi.setSystemTime(Date.now() + backOffMs - 1);
      expect(await call()).toMatch(/backing off/);
      vi.setSystemTime(Date.now() + 1);
      // In the order they settle: the others do not wait for the probe, they fail at once.
      const settled: string[] = [];
      await Promise.all(
        Array.from({ length: 5 }, () => call().then((outcome) => settled.push(outcome))),
      );
      expect(settled.slice(0, 4).every((outcome) => /backing off/.test(outcome))).toBe(true);
      expect(settled[4]).toMatch(/did not answer in 50 ms/);
      // The probe failed: backing off again.
      expect(await call()).toMatch(/backing off/);
    } finally {
      vi.useRealTimers();
      await blackHole.close();
      await handle.close().catch(() => {});
    }
  });
});

describe('the enricher’s database breaker, closing again', () => {
  it('closes when the probe succeeds: the database is tried by every call again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const database = await createTestDatabase('pglite');
    // Hangs every statement while `hung`, as a database that stopped answering would.
    let hung = true;
    const switchable = {
      db: database.handle.db,
      query: <T>(text: string, params: unknown[]) =>
        hung ? new Promise<never>(() => {}) : database.handle.query<T>(text, params),
    };
    const backOffMs = 2000;
    const enrich = createIdentityEnricher({
      database: switchable,
      clientIds: [],
      isUnavailable: isDatabaseUnavailable,
      deadlineMs: 50,
      backOffMs,
    });
    const call = () =>
      enrich(parseFunctionCall(Buffer.from(functionContext({ userId: newUserId() })))).then(
        ({ outcome }) => outcome,
        (error: Error) => error.message,
      );
    try {
      for (let i = 0; i < 3; i++) expect(await call()).toMatch(/did not answer in 50 ms/);
      expect(await call()).toMatch(/backing off/);
      hung = false;
      vi.setSystemTime(Date.now() + backOffMs);
      expect(await call()).toBe('provisioned');
      expect(await Promise.all(Array.from({ length: 3 }, call))).toEqual([
        'provisioned',
        'provisioned',
        'provisioned',
      ]);
    } finally {
      vi.useRealTimers();
      await database.drop();
    }
  });
});
