import { and, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { identityEvents } from '../db/schema';
import type { Logger } from '../logger';

// Payload keys that describe the person in ZITADEL's user events (userName, firstName, lastName,
// nickName, displayName, email, phone, country, locality, postalCode, region, streetAddress,
// gender, avatar…). Their payloads are flat, so the top level is where they are.
const PERSONAL_KEY = 'name|mail|phone|country|locality|postal|region|street|address|gender|avatar';

/**
 * Erasure for removed users: strips every personal key from the logged payloads of these
 * ZITADEL users' events. Runs in the transaction that applies `user.removed`, and again whenever a
 * later-arriving event of a removed user is logged, so no stored payload keeps the person.
 */
export async function erasePersonalPayloads(
  db: Database,
  zitadelUserIds: readonly string[],
): Promise<void> {
  if (zitadelUserIds.length === 0) return;
  const personal = sql`exists (select 1 from jsonb_object_keys(${identityEvents.payload}) as key where key ~* ${PERSONAL_KEY})`;
  await db
    .update(identityEvents)
    .set({
      payload: sql`(select coalesce(jsonb_object_agg(key, value), '{}'::jsonb)
        from jsonb_each(${identityEvents.payload}) where key !~* ${PERSONAL_KEY})`,
    })
    .where(
      and(
        eq(identityEvents.aggregateType, 'user'),
        inArray(identityEvents.aggregateId, [...zitadelUserIds]),
        personal,
      ),
    );
}

/**
 * Retention: payloads of events created more than `days` days ago become `{}`. The log's other
 * columns stay: its key is what recognises a redelivered event, and the users table already holds
 * what the payloads said. Returns how many payloads it emptied.
 */
export async function expireEventPayloads(db: Database, days: number): Promise<number> {
  const emptied = await db
    .update(identityEvents)
    .set({ payload: sql`'{}'::jsonb` })
    .where(
      and(
        lt(identityEvents.eventTime, sql`now() - make_interval(days => ${days}::int)`),
        ne(identityEvents.payload, sql`'{}'::jsonb`),
      ),
    )
    .returning({ id: identityEvents.id });
  return emptied.length;
}

const HOUR_MS = 3_600_000;

/**
 * Runs expireEventPayloads now and every hour until stopped. Every replica runs it: the update is
 * idempotent, and it must run where no reconciler does (webhook-only deployments).
 */
export function startPayloadRetention(options: { db: Database; days: number; logger: Logger }) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = async () => {
    try {
      const emptied = await expireEventPayloads(options.db, options.days);
      if (emptied > 0)
        options.logger.info({ emptied, days: options.days }, 'event payloads expired');
    } catch (error) {
      options.logger.warn(
        { err: error },
        'expiring event payloads failed; trying again in an hour',
      );
    }
    if (!stopped) timer = setTimeout(start, HOUR_MS);
  };
  const start = () => {
    running = run();
  };
  start();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
