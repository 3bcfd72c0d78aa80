import { createThrowawayDatabase } from '@liverty-music/test-support/throwaway-database';
import { waitUntil } from '@liverty-music/test-support/wait-until';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../src/db/open-database';
import { identityEvents } from '../src/db/schema';
import type { Logger } from '../src/logger';
import { applyIdentityEvent } from '../src/provisioning/apply-identity-event';
import { startPayloadRetention } from '../src/provisioning/erase-event-payloads';
import { createTestDatabase, type TestDatabase } from './support/test-databases';
import { addedPayload, newUserId } from './support/zitadel-events';

const HOUR_MS = 3_600_000;

/** The job's log lines. */
function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
    lines.push({ level, fields, message });
  return { logger: { info: at('info'), warn: at('warn') } as unknown as Logger, lines };
}

/**
 * Holds back the job's hourly timer (and only it: the Postgres driver's own timers stay real), so a
 * test says when the hour has passed.
 */
function holdHourlyTimer() {
  const held = new Map<number, () => void>();
  let nextId = 1;
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
    callback: (...args: unknown[]) => void,
    ms?: number,
    ...args: unknown[]
  ) => {
    if (ms !== HOUR_MS) return realSetTimeout(() => callback(...args), ms);
    held.set(nextId, () => callback(...args));
    return nextId++;
  }) as unknown as typeof setTimeout);
  vi.spyOn(globalThis, 'clearTimeout').mockImplementation((id) => {
    if (typeof id === 'number') held.delete(id);
    else realClearTimeout(id);
  });
  return {
    held,
    /** Resolves once a run has ended and scheduled the next. */
    scheduled: () =>
      waitUntil('the next run to be scheduled', () => held.size === 1, { timeoutMs: 20_000 }),
    passHour() {
      const callbacks = [...held.values()];
      held.clear();
      for (const callback of callbacks) callback();
    },
  };
}

// The payload retention job every replica runs (startPayloadRetention): once at start-up, then
// hourly, until stopped. Only the timers are faked; the statements run on Postgres.
describe('the payload retention job', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.drop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const logOld = async (days: number) => {
    const userId = newUserId();
    await applyIdentityEvent(
      database.handle.db,
      {
        aggregateType: 'user',
        aggregateId: userId,
        sequence: 1,
        eventType: 'user.human.added',
        resourceOwner: '336392597046099971',
        createdAt: new Date(Date.now() - days * 86_400_000).toISOString(),
        payload: addedPayload(`${userId}@x.io`),
      },
      'poll',
    );
    return async () =>
      (
        await database.handle.db
          .select({ payload: identityEvents.payload })
          .from(identityEvents)
          .where(eq(identityEvents.aggregateId, userId))
      )[0]?.payload;
  };

  it('runs again every hour, and says how many payloads it emptied', async () => {
    const clock = holdHourlyTimer();
    const first = await logOld(10);
    const { logger, lines } = recordingLogger();
    const job = startPayloadRetention({ db: database.handle.db, days: 7, logger });
    await clock.scheduled();
    expect(await first()).toEqual({});
    expect(lines).toEqual([
      { level: 'info', fields: { emptied: 1, days: 7 }, message: 'event payloads expired' },
    ]);

    const second = await logOld(8);
    expect(await second()).not.toEqual({});
    clock.passHour();
    await clock.scheduled();
    expect(await second()).toEqual({});
    expect(lines).toHaveLength(2);
    await job.stop();
  });

  it('says nothing when nothing expired', async () => {
    const { logger, lines } = recordingLogger();
    const job = startPayloadRetention({ db: database.handle.db, days: 100_000, logger });
    // stop() waits for the run in flight.
    await job.stop();
    expect(lines).toEqual([]);
  });

  it('starts nothing more once stopped, even when stopped during a run', async () => {
    const clock = holdHourlyTimer();
    const { logger, lines } = recordingLogger();
    // Stopped at once: the first run is still waiting for Postgres.
    const during = startPayloadRetention({ db: database.handle.db, days: 7, logger });
    await during.stop();
    expect(clock.held.size).toBe(0);
    // Stopped between runs.
    await logOld(10);
    const between = startPayloadRetention({ db: database.handle.db, days: 7, logger });
    await clock.scheduled();
    await between.stop();
    expect(clock.held.size).toBe(0);
    expect(lines).toHaveLength(1);
  });

  it('warns when a run fails, and tries again an hour later', async () => {
    const clock = holdHourlyTimer();
    // A database without the tables (never migrated): every run fails in Postgres.
    const empty = await createThrowawayDatabase('liverty_test');
    const gone = await openDatabase({ url: empty.url, pgliteDir: 'unused', maxConnections: 1 });
    const { logger, lines } = recordingLogger();
    const job = startPayloadRetention({ db: gone.db, days: 7, logger });
    await clock.scheduled();
    expect(lines.map((entry) => entry.level)).toEqual(['warn']);
    expect(lines[0]?.fields.err).toBeInstanceOf(Error);
    clock.passHour();
    await clock.scheduled();
    await job.stop();
    await gone.close();
    await empty.drop();
    expect(lines.map((entry) => entry.level)).toEqual(['warn', 'warn']);
  });
});
