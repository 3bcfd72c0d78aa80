import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { users } from '../../src/db/schema';
import { startActionsServer } from './action-calls';
import { backendUnderTest } from './backend-under-test';
import type { DatabaseKind } from './test-databases';

/** The plaintext password the signup policy is sent; no answer, log or row may ever hold it. */
export const PASSWORD = 'Plaintext-Secret-42!';

/**
 * The Actions targets' server on a fresh database of that kind, for the enclosing describe block,
 * with the two reads every target test makes: a person's rows, and an enricher answer (asserted 200).
 */
export function actionTargetsBackend(kind: DatabaseKind) {
  const backend = backendUnderTest({ kind, start: startActionsServer });
  const rowsOf = (zitadelUserId: string) =>
    backend.database.handle.db.select().from(users).where(eq(users.zitadelUserId, zitadelUserId));
  const enrich = async (target: string, body: string) => {
    const response = await backend.server.call(target, body);
    expect(response.status).toBe(200);
    return (await response.json()) as { append_claims?: { key: string; value: unknown }[] };
  };
  return { backend, rowsOf, enrich };
}
