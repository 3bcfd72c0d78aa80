import { describe, expect, it } from 'vitest';
import { createIdentityEnricher } from '../src/actions/enrich-identity';
import { parseFunctionCall } from '../src/actions/parse-action-bodies';
import { isDatabaseUnavailable } from '../src/db/is-database-unavailable';
import { functionContext } from './support/action-calls';
import { createTestDatabase } from './support/test-databases';
import { newUserId } from './support/zitadel-events';

describe('the enricher remembers', () => {
  it('answers a repeat call with an unchanged profile without the database, and asks again when it changed', async () => {
    const database = await createTestDatabase('pglite');
    let queries = 0;
    const counted = {
      db: database.handle.db,
      query: <T>(text: string, params: unknown[]) => {
        queries++;
        return database.handle.query<T>(text, params);
      },
    };
    const enrich = createIdentityEnricher({
      database: counted,
      clientIds: [],
      isUnavailable: isDatabaseUnavailable,
    });
    const userId = newUserId();
    const context = (familyName: string, sequence = 3) =>
      parseFunctionCall(Buffer.from(functionContext({ userId, familyName, sequence })));
    try {
      const first = await enrich(context('Mouse'));
      expect(first.outcome).toBe('provisioned');
      expect(queries).toBe(1);
      const again = await enrich(context('Mouse'));
      expect(again).toEqual({ outcome: 'remembered', response: first.response });
      expect(queries).toBe(1);
      const renamed = await enrich(context('Renamed', 4));
      expect(renamed).toEqual({ outcome: 'found', response: first.response });
      expect(queries).toBe(2);
    } finally {
      await database.drop();
    }
  });
});
