import { waitUntil } from '@liverty-music/test-support/wait-until';
import { describe, expect, it } from 'vitest';
import { parseMicros } from '../src/zitadel-api/event-instant';
import { driftCounts, expectedFromBurst, presence } from './support/sync-checks';
import { syncFaultFixture } from './support/sync-fault-fixture';
import { createTestDatabase } from './support/test-databases';

// The history moving while the reconciler reads it: growing, and transactions committing late.
// Nothing may be lost, and what the overlap cannot catch, drift shows and the sweep heals.

const { sync, direct, userCount, reconcilerFor } = syncFaultFixture();

describe('the history moving while the reconciler reads it', () => {
  it('reads a history that grows while it reads it (~1,000 signups a second), and ends caught up', async () => {
    sync.database = await createTestDatabase('postgres');
    const { reconciler } = reconcilerFor(direct());
    reconciler.start();
    const burst = await sync.idp.burst({ count: 3000, perSecond: 1000, emailPrefix: 'during' });
    const expected = expectedFromBurst(burst);
    // How soon it catches up is a figure the fault suite prints (reconciler-killed-mid-burst), not
    // a limit here: the wait only ends a hang.
    const report = await waitUntil(
      'every user of the burst to be present',
      async () => {
        const now = await presence(sync.database.handle.db, expected);
        return now.present === expected.length && now;
      },
      { timeoutMs: 55_000, intervalMs: 100 },
    );
    expect(report.missing.slice(0, 3)).toEqual([]);
    expect(report.present).toBe(expected.length);
    await reconciler.runOnce();
    expect(reconciler.health()).toMatchObject({ status: 'ok', checkpointAgeSeconds: 0 });
  }, 60_000);

  it('reads a transaction that commits late inside the overlap; one beyond it: drift shows it, the sweep heals it', async () => {
    sync.database = await createTestDatabase('postgres');
    const { reconciler } = reconcilerFor(direct());
    await sync.idp.burst({ count: 5, perSecond: 100, emailPrefix: 'before-late' });
    await reconciler.runOnce();
    const checkpoint = parseMicros(reconciler.health().checkpoint ?? '');
    // Committed now, dated a second before the checkpoint: inside the 1.5 s overlap. The date is
    // fixed relative to the provider's clock when it writes, so the second leaves room for the
    // request's own delay on a loaded machine (half a second was not always enough).
    const late = await sync.idp.burst({
      count: 3,
      lateByMs: Date.now() - checkpoint / 1000 + 1000,
      emailPrefix: 'late-inside',
    });
    expect(parseMicros(late.firstCreationDate)).toBeLessThan(checkpoint);
    await reconciler.runOnce();
    expect((await presence(sync.database.handle.db, expectedFromBurst(late))).present).toBe(3);

    // Dated a minute ago: no poll re-reads that far back, so drift must show it.
    const tooLate = await sync.idp.burst({
      count: 2,
      lateByMs: 60_000,
      emailPrefix: 'late-outside',
    });
    await reconciler.runOnce();
    expect((await presence(sync.database.handle.db, expectedFromBurst(tooLate))).present).toBe(0);
    const drift = await driftCounts(direct(), sync.database.handle.db, { settleMs: 200 });
    expect(drift.events).toBeGreaterThanOrEqual(2);
    expect(drift.listUsers).toBeGreaterThanOrEqual(2);
    expect(await userCount()).toBeGreaterThan(0);

    // The sweep (issue 22) needs no one to run drift: it lists them and creates them.
    const swept = await reconciler.sweepNow();
    expect(swept).toMatchObject({ outcome: 'complete', removed: 0 });
    expect(swept.created).toBeGreaterThanOrEqual(2);
    expect((await presence(sync.database.handle.db, expectedFromBurst(tooLate))).present).toBe(2);
  }, 60_000);
});
