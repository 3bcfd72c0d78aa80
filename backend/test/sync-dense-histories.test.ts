import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/observability/metrics';
import { createReconciler } from '../src/reconciler/reconciler';
import { syncEvents } from '../src/reconciler/sync-events';
import { createZitadelClient, type ZitadelClient } from '../src/zitadel-api/zitadel-client';
import { type LocalIdpProcess, startLocalIdpProcess } from './support/local-idp-process';
import {
  driftCounts,
  type ExpectedUser,
  expectedFromBurst,
  type PresenceReport,
  presence,
} from './support/sync-checks';
import { createTestDatabase, type TestDatabase } from './support/test-databases';

// The histories of issue 11 and others like them, written by the local identity provider (which
// follows ZITADEL's Event API and ListUsers rules, see local-idp/test/event-api.test.ts), synced
// into real Postgres three ways: the backfill, the reconciler, and drift (which must then find
// nothing). Every user must be present exactly once with its latest fields.

const SETTLE_MS = 300;
const FAST_RETRY = { attempts: 4, baseDelayMs: 50, maxDelayMs: 400 };
const results: string[] = [];

afterAll(() => {
  // The figures the issue asks for, in one place in the test output.
  console.log(`\nsync histories (users expected → present):\n${results.join('\n')}`);
});

async function syncThreeWays(
  name: string,
  client: ZitadelClient,
  expected: ExpectedUser[],
): Promise<{ backfill: PresenceReport; reconciler: PresenceReport }> {
  const databases: TestDatabase[] = [];
  try {
    const backfillDb = await createTestDatabase('postgres');
    databases.push(backfillDb);
    const progress = await syncEvents({
      db: backfillDb.handle.db,
      client,
      checkpoint: 'backfill',
      source: 'backfill',
      overlapMs: 1000,
      retry: FAST_RETRY,
      settleMs: SETTLE_MS,
    });
    expect(progress.caughtUp).toBe(true);
    const backfill = await presence(backfillDb.handle.db, expected);

    const reconcilerDb = await createTestDatabase('postgres');
    databases.push(reconcilerDb);
    const reconciler = createReconciler({
      database: reconcilerDb.handle,
      client,
      intervalMs: 60_000,
      overlapMs: 5000,
      retry: FAST_RETRY,
      settleMs: SETTLE_MS,
      metrics: createMetrics(),
      logger: createLogger('silent'),
    });
    try {
      await reconciler.runOnce();
      expect(reconciler.health()).toMatchObject({ status: 'ok', checkpointAgeSeconds: 0 });
    } finally {
      await reconciler.stop();
    }
    const reconciled = await presence(reconcilerDb.handle.db, expected);

    const drift = await driftCounts(client, backfillDb.handle.db, { settleMs: SETTLE_MS });
    results.push(
      `  ${name}: expected ${expected.length}; backfill ${backfill.present} (${progress.events} events, ${progress.snapshots} snapshots, ${progress.usersCreated} created); reconciler ${reconciled.present}; drift ${drift.events === 0 && drift.listUsers === 0 ? 'none' : `events ${drift.events}, ListUsers ${drift.listUsers}`}`,
    );
    expect(drift).toEqual({ events: 0, listUsers: 0, zitadelUsers: expected.length });
    return { backfill, reconciler: reconciled };
  } finally {
    await Promise.all(databases.map((database) => database.drop()));
  }
}

function expectAllPresent(report: PresenceReport) {
  expect(report.missing.slice(0, 3), `${report.missing.length} users missing`).toEqual([]);
  expect(report.wrong.slice(0, 3), `${report.wrong.length} users with wrong fields`).toEqual([]);
  expect(report.rows).toBe(report.expected);
}

/** Writes a history in a fresh local identity provider, then syncs and checks it three ways. */
async function history(
  name: string,
  write: (idp: LocalIdpProcess) => Promise<ExpectedUser[]>,
): Promise<void> {
  const idp = await startLocalIdpProcess();
  try {
    const expected = await write(idp);
    const client = createZitadelClient({ apiUrl: idp.url, pat: idp.pat });
    const { backfill, reconciler } = await syncThreeWays(name, client, expected);
    expectAllPresent(backfill);
    expectAllPresent(reconciler);
  } finally {
    await idp.close();
  }
}

describe('dense histories, synced from the local identity provider into Postgres', () => {
  it('12,000 signups at 2,000/s, two events per signup at one instant', async () => {
    await history('12,000 signups at 2,000/s', async (idp) =>
      expectedFromBurst(await idp.burst({ count: 12_000, perSecond: 2000, emailPrefix: 'h1' })),
    );
  }, 180_000);

  it('a bulk import of 1,500 users in one transaction, then 50 more', async () => {
    await history('1,500 in one transaction, then 50', async (idp) => [
      ...expectedFromBurst(await idp.burst({ count: 1500, emailPrefix: 'h2-bulk' })),
      ...expectedFromBurst(await idp.burst({ count: 50, perSecond: 500, emailPrefix: 'h2-more' })),
    ]);
  }, 120_000);

  it('5,000 events at one instant (2,500 users in one transaction): ListUsers fills in', async () => {
    await history('5,000 events at one instant', async (idp) => [
      ...expectedFromBurst(await idp.burst({ count: 5, perSecond: 100, emailPrefix: 'h3-before' })),
      ...expectedFromBurst(await idp.burst({ count: 2500, emailPrefix: 'h3-bulk' })),
      ...expectedFromBurst(await idp.burst({ count: 5, perSecond: 100, emailPrefix: 'h3-after' })),
    ]);
  }, 120_000);

  it('the same bulk instant as the newest event: ListUsers must hold still before it counts', async () => {
    await history('4,400 events at the newest instant', async (idp) =>
      expectedFromBurst(await idp.burst({ count: 2200, emailPrefix: 'h3b' })),
    );
  }, 120_000);
});
