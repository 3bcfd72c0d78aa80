import { startTestIssuer, type TestIssuer } from '@liverty-music/backend/testing';
import { afterAll, beforeAll } from 'vitest';
import { type RunningBackend, startBackend } from './backend-process';
import { createDispatcher } from './call-backend';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database';

export const SIGNING_KEY = 'faults-fuzz-signing-key';
export const REQUEST_BOUND_MS = 10_000;
/** The /healthz asked on the same connection right after each request. */
export const FOLLOW_UP_BOUND_MS = 3_000;

export interface FuzzTarget {
  issuer: TestIssuer;
  database: ScratchDatabase;
  backend: RunningBackend;
  dispatcher: ReturnType<typeof createDispatcher>;
}

/**
 * A backend that takes webhooks signed with SIGNING_KEY, on a scratch database, for the case
 * file: started before its first test, stopped and dropped after its last. Read the fields inside
 * tests (they are set in beforeAll).
 */
export function fuzzTarget(): FuzzTarget {
  const target = { dispatcher: createDispatcher(256) } as FuzzTarget;
  beforeAll(async () => {
    target.issuer = await startTestIssuer();
    target.database = await createScratchDatabase();
    target.backend = await startBackend({
      databaseUrl: target.database.url,
      issuer: target.issuer.issuer,
      audience: target.issuer.audience,
      webhookSigningKeys: [SIGNING_KEY],
    });
  });
  afterAll(async () => {
    await target.backend?.stop();
    await target.dispatcher.close();
    await target.issuer?.close();
    await target.database?.drop();
  });
  return target;
}
