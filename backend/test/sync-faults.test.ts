import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { count, sql } from 'drizzle-orm';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { HTTP_LIMIT_DEFAULTS } from '../src/config';
import { identityEvents } from '../src/db/schema';
import { createLogger } from '../src/logger';
import { readCheckpoint, syncEvents } from '../src/reconciler/sync-events';
import { createServer } from '../src/server';
import { ZitadelApiError } from '../src/zitadel-api/zitadel-client';
import { type ExpectedUser, expectedFromBurst, presence } from './support/sync-checks';
import { syncFaultFixture } from './support/sync-fault-fixture';
import { createTestDatabase } from './support/test-databases';

// The Event API failing in the ways real networks and servers fail, and the history moving while
// the reconciler reads it (sync-history-moving.test.ts). Nothing may be lost, nothing may be
// skipped quietly, and the checkpoint may never claim an event that was not applied.

const { sync, backfillOptions, throughProxy, allEvents, reconcilerFor } = syncFaultFixture();

describe('the Event API failing', () => {
  let expected: ExpectedUser[];

  beforeAll(async () => {
    const a = await sync.idp.burst({ count: 1200, perSecond: 4000, emailPrefix: 'faults-a' });
    const b = await sync.idp.burst({ count: 2100, emailPrefix: 'faults-b' });
    const c = await sync.idp.burst({ count: 300, perSecond: 4000, emailPrefix: 'faults-c' });
    expected = [...expectedFromBurst(a), ...expectedFromBurst(b), ...expectedFromBurst(c)];
  }, 60_000);

  it('retries 5xx, malformed, truncated, out-of-order and hanging answers, and loses nothing', async () => {
    sync.database = await createTestDatabase('postgres');
    sync.proxy.inject('unavailable', 2);
    sync.proxy.inject('malformed');
    sync.proxy.inject('truncated');
    sync.proxy.inject('reordered');
    sync.proxy.inject('hang');
    sync.proxy.inject('malformed', 1, '/v2/users');
    const retried: string[] = [];
    const served = sync.proxy.faultsServed();
    const progress = await syncEvents(
      backfillOptions({
        client: throughProxy(1000),
        retry: { attempts: 10, baseDelayMs: 20, maxDelayMs: 100 },
        onRetry: (error) => retried.push(error.message),
      }),
    );
    expect(sync.proxy.faultsServed() - served).toBe(7);
    expect(retried.length).toBeGreaterThanOrEqual(7);
    expect(retried.join('\n')).toMatch(/HTTP 503/);
    expect(retried.join('\n')).toMatch(/malformed/);
    expect(retried.join('\n')).toMatch(/not JSON/);
    expect(retried.join('\n')).toMatch(/out of creation-date order/);
    expect(retried.join('\n')).toMatch(/did not answer within 1000 ms/);
    expect(retried.join('\n')).toMatch(/ListUsers answer is malformed/);
    expect(progress.caughtUp).toBe(true);
    const report = await presence(sync.database.handle.db, expected);
    expect(report.missing).toEqual([]);
    expect(report.present).toBe(expected.length);
  }, 90_000);

  it('gives up loudly when ZITADEL stays down, with the checkpoint behind every unapplied event', async () => {
    sync.database = await createTestDatabase('postgres');
    const segments: string[] = [];
    // Two segments go through, then the Event API answers 503 for good.
    const failing = syncEvents(
      backfillOptions({
        onSegment: (progress) => {
          segments.push(progress.position ?? '');
          if (segments.length === 2) sync.proxy.inject('unavailable', 1000);
        },
      }),
    );
    const error = await failing.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ZitadelApiError);
    expect((error as Error).message).toMatch(/HTTP 503.*gave up after 4 tries/);

    const checkpoint = await readCheckpoint(sync.database.handle.db, 'backfill');
    expect(checkpoint).toBeDefined();
    const history = await allEvents();
    const covered = history.filter((event) => event.micros <= (checkpoint as number));
    expect(covered.length).toBeGreaterThan(0);
    expect(covered.length).toBeLessThan(history.length);
    const [logged] = await sync.database.handle.db
      .select({ n: count() })
      .from(identityEvents)
      .where(
        sql`event_time <= ${new Date((checkpoint as number) / 1000).toISOString()}::timestamptz + interval '1 millisecond'`,
      );
    // Every event at or before the checkpoint is in the log (the log may hold a few more).
    const loggedKeys = new Set(
      (
        await sync.database.handle.db
          .select({ id: identityEvents.aggregateId, sequence: identityEvents.sequence })
          .from(identityEvents)
      ).map((row) => `${row.id}/${row.sequence}`),
    );
    expect(
      covered.filter((event) => !loggedKeys.has(`${event.aggregateId}/${event.sequence}`)),
    ).toEqual([]);
    expect(logged?.n).toBeGreaterThanOrEqual(covered.length);

    sync.proxy.clear();
    const resumed = await syncEvents(backfillOptions());
    expect(resumed.caughtUp).toBe(true);
    expect((await presence(sync.database.handle.db, expected)).present).toBe(expected.length);
  }, 90_000);

  it('the reconciler logs, counts and reports a failing poll, and recovers', async () => {
    sync.database = await createTestDatabase('postgres');
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const { reconciler, metrics } = reconcilerFor(throughProxy(), logger);
    const server = createServer({
      database: sync.database.handle,
      authenticate: async () => {
        throw new Error('not used');
      },
      logger: createLogger('silent'),
      metrics,
      corsOrigins: [],
      limits: HTTP_LIMIT_DEFAULTS,
      syncHealth: () => reconciler.health(),
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const health = async () => {
      const response = await fetch(
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/sync/health`,
      );
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    try {
      await reconciler.runOnce();
      expect(reconciler.health()).toMatchObject({ status: 'ok', checkpointAgeSeconds: 0 });
      // New signups arrive while ZITADEL's API is down.
      const later = await sync.idp.burst({ count: 20, perSecond: 1000, emailPrefix: 'while-down' });
      sync.proxy.inject('unavailable', 1000);
      await reconciler.runOnce();
      expect(reconciler.health()).toMatchObject({
        status: 'failing',
        leader: true,
        consecutiveFailures: 1,
        lastError: { reason: 'event_api', category: 'zitadel_unavailable' },
      });
      // It cannot tell whether newer events exist: the age counts.
      expect(reconciler.health().checkpointAgeSeconds).toBeGreaterThan(0);
      expect((await presence(sync.database.handle.db, expectedFromBurst(later))).present).toBe(0);
      const failing = await health();
      expect(failing).toMatchObject({
        status: 503,
        body: { status: 'failing', lastError: { category: 'zitadel_unavailable' } },
      });
      // The public port says what kind of failure, never the error's own text: no status line,
      // no address of ZITADEL, no API path, no advice naming the configuration.
      const served = JSON.stringify(failing.body);
      for (const raw of [
        'HTTP 503',
        '127.0.0.1',
        new URL(sync.proxy.url).host,
        '_search',
        'ZITADEL_',
      ]) {
        expect(served).not.toContain(raw);
      }
      // … which the log line keeps.
      expect(lines.some((line) => /reconciler poll failed/.test(line) && /503/.test(line))).toBe(
        true,
      );
      const exposition = await metrics.registry.metrics();
      expect(exposition).toMatch(/liverty_reconciler_failures_total\{reason="event_api"\} 1/);
      expect(exposition).toMatch(/liverty_reconciler_checkpoint_age_seconds [1-9]/);
      expect(
        lines.some((line) => /"level":50/.test(line) && /reconciler poll failed/.test(line)),
      ).toBe(true);

      sync.proxy.clear();
      await reconciler.runOnce();
      expect(reconciler.health()).toMatchObject({
        status: 'ok',
        consecutiveFailures: 0,
        checkpointAgeSeconds: 0,
      });
      expect(await health()).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect((await presence(sync.database.handle.db, expected)).present).toBe(expected.length);
      expect((await presence(sync.database.handle.db, expectedFromBurst(later))).present).toBe(20);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 90_000);
});
