import { startTestEventApi } from '@liverty-music/test-support/fake-event-api';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../src/db/schema';
import { createMetrics } from '../src/observability/metrics';
import { runSweep } from '../src/sweep/run-sweep';
import { signUp, sweepFixture } from './support/sweep-fixture';
import { type DatabaseKind, databaseKinds } from './support/test-databases';
import { newUserId } from './support/zitadel-events';

// What the sweep must never remove: users still listed, or while the listing is failing or
// incomplete. What it creates and removes: sync-sweep.test.ts.
describe.each(databaseKinds)('the sweep on %s', (kind: DatabaseKind) => {
  const { env, row, client, sweep, reconciler } = sweepFixture(kind);

  it('removes nobody while ListUsers fails, and says so', async () => {
    env.api = await startTestEventApi();
    const user = signUp(env.api, { msAgo: 5000, list: false });
    const sync = reconciler();
    await sync.runOnce();
    await sync.sweeping();
    // ListUsers listed nobody, completely: the user is gone from ZITADEL.
    expect(await row(user.userId)).toMatchObject({ state: 'removed' });

    const other = signUp(env.api, { msAgo: 4000, list: false });
    await sync.runOnce();
    expect(await row(other.userId)).toMatchObject({ state: 'active' });
    env.api.listUsersFaults.failures = 100; // an outage: every call answers 503
    const result = await sync.sweepNow();
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/503/);
    expect(await row(other.userId)).toMatchObject({ state: 'active', email: other.email });
    expect(sync.health().sweep?.lastRun).toMatchObject({ outcome: 'failed' });
    expect(await env.metrics.registry.metrics()).toMatch(
      /liverty_sweep_runs_total\{outcome="failed"\} 1/,
    );
  });

  it('removes nobody when the listing holds fewer users than totalResult', async () => {
    env.api = await startTestEventApi();
    const listedUsers = [0, 1, 2, 3, 4].map((i) => signUp(env.api, { msAgo: 9000 - i * 100 }));
    const unlisted = signUp(env.api, { msAgo: 5000, list: false });
    env.metrics = createMetrics();
    await runSweep({
      db: env.database.handle.db,
      client: client(),
      pageSize: 2,
      metrics: env.metrics,
    });
    // The events would create it; here the sweep alone runs, so it never existed: write it.
    await env.database.handle.db.insert(users).values({
      zitadelUserId: unlisted.userId,
      email: unlisted.email,
    });

    // ZITADEL counts one user more than its pages hold.
    env.api.listUsersFaults.extraTotal = 1;
    const short = await sweep();
    expect(short).toMatchObject({ outcome: 'incomplete', removed: 0, listed: 5, totalResult: 6 });
    // Its last page (offset 4, limit 2) holds one user where six were reported.
    expect(short.reason).toMatch(/the page at offset 4 held 1 users while 6 were reported/);
    expect(await row(unlisted.userId)).toMatchObject({ state: 'active' });

    // A page cut short (4 of 5 listed, totalResult 5 as it should be).
    env.api.listUsersFaults.extraTotal = 0;
    env.api.listUsersFaults.cutPagesFrom = 2;
    const cut = await sweep();
    expect(cut).toMatchObject({ outcome: 'incomplete', removed: 0 });
    expect(cut.reason).toMatch(/held 1 users while 5 were reported/);
    expect(await row(unlisted.userId)).toMatchObject({ state: 'active' });

    // Duplicates across pages (ties without a tie-breaker) make the distinct count short too.
    delete env.api.listUsersFaults.cutPagesFrom;
    const [first] = env.api.listed;
    if (first) env.api.listed.push(first);
    const duplicated = await sweep();
    expect(duplicated).toMatchObject({ outcome: 'incomplete', removed: 0 });
    env.api.listed.pop();

    // The complete answer removes it, and no other.
    const complete = await sweep();
    expect(complete).toMatchObject({ outcome: 'complete', removed: 1, listed: 5 });
    expect(await row(unlisted.userId)).toMatchObject({ state: 'removed', email: null });
    for (const user of listedUsers) {
      expect(await row(user.userId)).toMatchObject({ state: 'active', email: user.email });
    }
    expect(await env.metrics.registry.metrics()).toMatch(
      /liverty_sweep_runs_total\{outcome="incomplete"\} 3/,
    );
  });

  it('never removes a user created after the listing began, nor one ListUsers still has', async () => {
    env.api = await startTestEventApi();
    signUp(env.api, { msAgo: 9000 });
    // A row newer than any listing that could start now (as if created while one ran).
    const newer = newUserId();
    await env.database.handle.db.insert(users).values({
      zitadelUserId: newer,
      email: 'new@example.com',
      createdAt: sql`now() + interval '1 hour'`,
    });
    // A user the offset pages skipped (its neighbour was removed mid-listing) but ListUsers has:
    // the id check finds it, and it is written rather than removed.
    const skipped = signUp(env.api, { msAgo: 8000 });
    await env.database.handle.db
      .insert(users)
      .values({ zitadelUserId: skipped.userId, email: null });
    const hidden = env.api.listed.pop();
    const original = env.api.listed;
    const result = await runSweep({
      db: env.database.handle.db,
      client: {
        ...client(),
        // The paged listing misses it; a query by id finds it.
        listUserPage: (request, signal) => {
          if (hidden && !request.queries?.some((query) => query.inUserIdsQuery)) {
            return client().listUserPage(request, signal);
          }
          original.push(hidden as never);
          return client()
            .listUserPage(request, signal)
            .finally(() => original.pop());
        },
      },
      pageSize: 2,
    });
    expect(result).toMatchObject({ outcome: 'complete', removed: 0, updated: 1 });
    expect(await row(newer)).toMatchObject({ state: 'active' });
    expect(await row(skipped.userId)).toMatchObject({ state: 'active', email: skipped.email });
  });
});
