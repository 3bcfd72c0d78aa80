import { readFileSync } from 'node:fs';
import { startTestEventApi } from '@liverty-music/test-support/fake-event-api';
import { TEST_ORG_ID } from '@liverty-music/test-support/fake-list-users';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { identityEvents, pendingIdentityEvents, users } from '../src/db/schema';
import { at, signUp, sweepFixture } from './support/sweep-fixture';
import { type DatabaseKind, databaseKinds } from './support/test-databases';
import { newUserId } from './support/zitadel-events';

const OTHER_ORG = '336392597046099999';

// What the sweep creates and removes. What it must never remove: sync-sweep-safety.test.ts.
describe.each(databaseKinds)('the sweep on %s', (kind: DatabaseKind) => {
  const { env, row, sweep, reconciler } = sweepFixture(kind);

  it('creates a user whose signup committed later than the overlap re-reads', async () => {
    env.api = await startTestEventApi();
    const early = signUp(env.api, { msAgo: 1000 });
    const sync = reconciler();
    await sync.runOnce();
    // No sweep had ever completed: the first poll starts one at once.
    expect((await sync.sweeping())?.outcome).toBe('complete');
    expect(sync.health().sweep?.lastCompleteAt).toEqual(expect.any(String));
    expect(await row(early.userId)).toMatchObject({ email: early.email });

    // Committed now, dated a minute before the checkpoint: far outside the 1 s overlap.
    const late = signUp(env.api, { msAgo: 60_000 });
    await sync.runOnce();
    expect(sync.sweeping()).toBeUndefined(); // the next sweep is an hour away
    expect(await row(late.userId)).toBeUndefined();

    const result = await sync.sweepNow();
    expect(result).toMatchObject({ outcome: 'complete', created: 1, removed: 0, listed: 2 });
    expect(await row(late.userId)).toMatchObject({ email: late.email, state: 'active' });
    const scraped = await env.metrics.registry.metrics();
    expect(scraped).toMatch(/liverty_sweep_runs_total\{outcome="complete"\} 2/);
    expect(scraped).toMatch(/liverty_sweep_users_total\{change="created"\} 1/);
    expect(scraped).toMatch(/liverty_sweep_duration_seconds_count 2/);
    const age = /^liverty_sweep_last_complete_age_seconds (\S+)$/m.exec(scraped)?.[1];
    expect(Number(age)).toBeGreaterThanOrEqual(0);
    expect(Number(age)).toBeLessThan(60);
  });

  it('removes the users of a removed organisation at once, and erases them', async () => {
    env.api = await startTestEventApi();
    const gone = [
      signUp(env.api, { msAgo: 9000, orgId: OTHER_ORG }),
      signUp(env.api, { msAgo: 8000, orgId: OTHER_ORG }),
    ];
    const kept = signUp(env.api, { msAgo: 7000 });
    const sync = reconciler();
    await sync.runOnce();
    await sync.sweeping();
    expect(await row(gone[0]?.userId ?? '')).toMatchObject({ orgId: OTHER_ORG, state: 'active' });

    // ZITADEL: one `org.removed` on the org aggregate, no event per user, and ListUsers drops them.
    env.api.events.push({
      userId: OTHER_ORG,
      aggregateType: 'org',
      resourceOwner: OTHER_ORG,
      sequence: 7,
      type: 'org.removed',
      creationDate: at(100),
      payload: { name: 'Fan club' },
    });
    env.api.listed.splice(0, 2);
    await sync.runOnce();
    for (const user of gone) {
      expect(await row(user.userId)).toMatchObject({
        state: 'removed',
        email: null,
        givenName: '',
        familyName: '',
        displayName: '',
      });
      const logged = await env.database.handle.db
        .select()
        .from(identityEvents)
        .where(eq(identityEvents.aggregateId, user.userId));
      expect(JSON.stringify(logged.map((event) => event.payload))).not.toContain(user.email);
    }
    expect(await row(kept.userId)).toMatchObject({ state: 'active', email: kept.email });
    // A late event about a removed user cannot bring the name back.
    env.api.events.push({
      userId: gone[0]?.userId ?? '',
      sequence: 2,
      type: 'user.human.profile.changed',
      creationDate: at(50),
      payload: { firstName: 'Back' },
    });
    await sync.runOnce();
    expect(await row(gone[0]?.userId ?? '')).toMatchObject({ givenName: '', state: 'removed' });
  });

  it("removes machine users' rows left by earlier versions (migration 0003, written out)", async () => {
    const machine = newUserId();
    const human = newUserId();
    const lazy = newUserId();
    const db = env.database.handle.db;
    // An earlier version's row for a machine user: made by `user.deactivated`, no human event.
    await db.insert(users).values({ zitadelUserId: machine, state: 'inactive' });
    await db.insert(identityEvents).values({
      aggregateType: 'user',
      aggregateId: machine,
      sequence: 3,
      eventType: 'user.deactivated',
      eventTime: new Date(),
      source: 'webhook',
      payload: {},
    });
    // A human with no email scope, created by GetOrCreate (claimed): stays.
    await db.insert(users).values({ zitadelUserId: lazy, claimId: crypto.randomUUID() });
    // A human created by events with an emptied payload (retention): stays.
    await db.insert(users).values({ zitadelUserId: human });
    await db.insert(identityEvents).values({
      aggregateType: 'user',
      aggregateId: human,
      sequence: 1,
      eventType: 'user.human.added',
      eventTime: new Date(),
      source: 'poll',
      payload: {},
    });
    const migration = readFileSync(
      new URL('../drizzle/0003_sync_sweep.sql', import.meta.url),
      'utf8',
    );
    const deletes = migration
      .split('--> statement-breakpoint')
      .filter((statement) => /^\s*(--.*\n\s*)*DELETE/i.test(statement));
    expect(deletes).toHaveLength(2);
    for (const statement of deletes) await db.execute(sql.raw(statement));
    expect(await row(machine)).toBeUndefined();
    expect(
      await db.select().from(identityEvents).where(eq(identityEvents.aggregateId, machine)),
    ).toEqual([]);
    expect(await row(human)).toBeDefined();
    expect(await row(lazy)).toBeDefined();
  });

  it('keeps a state event that arrives before its user, and applies it when the user appears', async () => {
    env.api = await startTestEventApi();
    const user = signUp(env.api, { msAgo: 5000 });
    // The state event's own sequence (2) is newer than the signup's (1).
    const { applyIdentityEvent } = await import('../src/provisioning/apply-identity-event');
    const deactivated = {
      aggregateType: 'user',
      aggregateId: user.userId,
      sequence: 2,
      eventType: 'user.deactivated',
      resourceOwner: TEST_ORG_ID,
      createdAt: at(4000, 123),
      payload: {},
    };
    expect((await applyIdentityEvent(env.database.handle.db, deactivated, 'poll')).outcome).toBe(
      'pending',
    );
    expect(await row(user.userId)).toBeUndefined();
    // A machine user's state event looks the same; ListUsers never lists it as a human.
    const machine = { ...deactivated, aggregateId: newUserId() };
    expect((await applyIdentityEvent(env.database.handle.db, machine, 'poll')).outcome).toBe(
      'pending',
    );
    // The sweep creates the user (from an older listing, sequence 1) and applies what was kept.
    const result = await sweep();
    expect(result.outcome).toBe('complete');
    expect(await row(user.userId)).toMatchObject({ state: 'inactive', email: user.email });
    // Adopted, and the machine's dropped: nothing kept is left after a complete sweep.
    expect(await env.database.handle.db.select().from(pendingIdentityEvents)).toEqual([]);
    expect(await row(machine.aggregateId)).toBeUndefined();
  });
});
