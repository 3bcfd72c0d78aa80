import type { Database } from '../db/open-database';
import type { Logger } from '../logger';
import { applyOrgRemovals, ORG_REMOVED } from '../provisioning/remove-users';
import type { Micros } from '../zitadel-api/event-instant';
import { type RetryPolicy, withRetries } from '../zitadel-api/retry-zitadel-calls';
import type { ZitadelClient } from '../zitadel-api/zitadel-client';
import { readCheckpoint, writeCheckpoint } from './sync-events';

const PAGE = 1000;
export const ORG_CHECKPOINT = 'reconciler-orgs';

/**
 * Reads `org.removed` from the Event API (aggregate type `org`; ZITADEL writes no event per user
 * when it removes an organisation) and removes each organisation's users at once. A checkpoint of
 * its own, re-read with the same overlap as the user events: removals are rare and idempotent.
 * Returns how many users it removed.
 */
export async function syncOrgRemovals(options: {
  db: Database;
  client: ZitadelClient;
  overlapMs: number;
  retry?: RetryPolicy;
  logger?: Logger;
  signal?: AbortSignal;
}): Promise<number> {
  const checkpoint = await readCheckpoint(options.db, ORG_CHECKPOINT);
  let after: Micros =
    checkpoint === undefined ? 0 : Math.max(0, checkpoint - options.overlapMs * 1000);
  let removed = 0;
  for (;;) {
    const search = {
      asc: true,
      after,
      aggregateType: 'org' as const,
      eventTypes: [ORG_REMOVED],
      limit: PAGE,
    };
    const call = () => options.client.listEvents(search, options.signal);
    const events = options.retry ? await withRetries(call, options.retry) : await call();
    const last = events.at(-1);
    if (!last) return removed;
    const ids = await applyOrgRemovals(options.db, events, 'poll');
    removed += ids.length;
    if (ids.length > 0) {
      options.logger?.info(
        { orgs: events.map((event) => event.aggregateId), users: ids.length },
        'organisations removed: their users are marked removed',
      );
    }
    await writeCheckpoint(options.db, ORG_CHECKPOINT, last.micros, events.length);
    // A full page at one instant cannot be paged past by date; a thousand organisations removed in
    // one transaction is not a case this reader serves (the sweep removes their users).
    if (events.length < PAGE) return removed;
    after = last.micros;
  }
}
