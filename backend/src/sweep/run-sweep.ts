import type { Database } from '../db/open-database';
import type { Logger } from '../logger';
import type { Metrics } from '../observability/metrics';
import { adoptPendingEvents } from '../provisioning/apply-identity-event';
import { usersWithPendingEvents } from '../provisioning/pending-events';
import { removeUsers } from '../provisioning/remove-users';
import type { ListedUser } from '../zitadel-api/parse-listed-users';
import {
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  withRetries,
} from '../zitadel-api/retry-zitadel-calls';
import type { ZitadelClient } from '../zitadel-api/zitadel-client';
import { listUserPages } from './list-user-pages';
import {
  beginRun,
  countListed,
  dropUnclaimedPending,
  finishRun,
  type RunCounts,
  unlistedUsers,
} from './sweep-runs';
import { writeListedPage } from './write-listed-page';

export interface SweepOptions {
  db: Database;
  client: ZitadelClient;
  /** ListUsers page size; also how many users are written per statement. */
  pageSize?: number;
  retry?: RetryPolicy;
  metrics?: Metrics;
  logger?: Logger;
  signal?: AbortSignal;
}

export interface SweepResult extends RunCounts {
  runId: number;
  outcome: 'complete' | 'incomplete' | 'failed';
  /** ZITADEL's `totalResult` on the last page. */
  totalResult: number;
  /** Why the run removed nobody (incomplete) or stopped (failed). */
  reason?: string;
  seconds: number;
}

const CHUNK = 1000;

/** Writes a page (or the users a check by id found) and applies state events kept for new users. */
async function writeListed(db: Database, runId: number | undefined, page: readonly ListedUser[]) {
  return db.transaction(async (tx) => {
    const { inserted, updated } = await writeListedPage(tx, runId, page);
    await adoptPendingEvents(tx, inserted, 'poll');
    return { created: inserted.length, updated: updated.length };
  });
}

/**
 * One sweep (docs/decisions/032): lists every human through ListUsers, page by page, writing each
 * page as it comes (created, brought up to date); then, only if the listing is complete — as many
 * distinct users as `totalResult`, no page cut short, no error — marks removed the app users it
 * did not hold that were created before it began, each first confirmed absent by asking ListUsers
 * for it by id. A failure or an incomplete listing removes nobody.
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const startedAt = performance.now();
  const { db, client } = options;
  const pageSize = options.pageSize ?? CHUNK;
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const counts: RunCounts = { listed: 0, created: 0, updated: 0, removed: 0 };
  let totalResult = 0;
  const runId = await beginRun(db);
  const end = async (outcome: SweepResult['outcome'], reason?: string): Promise<SweepResult> => {
    await finishRun(db, runId, outcome, counts, reason).catch(() => {});
    const seconds = (performance.now() - startedAt) / 1000;
    options.metrics?.sweepRuns.inc({ outcome });
    options.metrics?.sweepDuration.observe(seconds);
    for (const change of ['created', 'updated', 'removed'] as const) {
      options.metrics?.sweepUsers.inc({ change }, counts[change]);
    }
    return { runId, outcome, ...counts, totalResult, seconds, ...(reason ? { reason } : {}) };
  };
  try {
    const pages = listUserPages(client, {
      pageSize,
      retry,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // The next page is on its way while this one is written.
    let next = pages.next();
    let cutShort: string | undefined;
    for (;;) {
      const step = await next;
      if (step.done) {
        cutShort = step.value.cutShort;
        break;
      }
      next = pages.next();
      next.catch(() => {}); // surfaced by the await above
      totalResult = step.value.totalResult;
      const { created, updated } = await writeListed(db, runId, step.value.users);
      counts.created += created;
      counts.updated += updated;
      if (options.signal?.aborted) return end('incomplete', 'stopped');
    }
    counts.listed = await countListed(db, runId);
    const reason =
      cutShort ??
      (counts.listed === totalResult
        ? undefined
        : `listed ${counts.listed} distinct users while ListUsers reported ${totalResult}`);
    if (reason) {
      options.logger?.warn({ runId, reason }, 'sweep listing incomplete: nobody removed');
      return end('incomplete', reason);
    }
    // Who the listing did not hold, in chunks; each confirmed absent by id before removal (a user
    // passed over by a shifting offset is present, and is written instead).
    for (let after = ''; ; ) {
      const unlisted = await unlistedUsers(db, runId, after, CHUNK);
      const last = unlisted.at(-1);
      if (last === undefined) break;
      after = last;
      const present = await withRetries(
        () =>
          client.listUserPage(
            {
              query: { offset: '0', limit: unlisted.length, asc: true },
              queries: [
                { typeQuery: { type: 'TYPE_HUMAN' } },
                { inUserIdsQuery: { userIds: unlisted } },
              ],
            },
            options.signal,
          ),
        retry,
      );
      // An answer short of its own count could hide a user who is there: remove nobody on it.
      if (present.users.length !== present.totalResult) {
        throw new Error(
          `ListUsers by id answered ${present.users.length} users while reporting ${present.totalResult}`,
        );
      }
      const found = new Set(present.users.map((user) => user.userId));
      const written = await writeListed(db, undefined, present.users);
      counts.created += written.created;
      counts.updated += written.updated;
      const removed = await removeUsers(
        db,
        unlisted.filter((id) => !found.has(id)),
      );
      counts.removed += removed.length;
    }
    // Users that appeared by any path take the state events kept for them.
    for (;;) {
      const ids = await usersWithPendingEvents(db, CHUNK);
      if (ids.length === 0) break;
      await db.transaction((tx) => adoptPendingEvents(tx, ids, 'poll'));
    }
    await dropUnclaimedPending(db, runId);
    return end('complete');
  } catch (error) {
    options.logger?.error(
      { err: error, runId, removed: counts.removed },
      'sweep failed: it removes nobody more (those removed were confirmed absent by id)',
    );
    return end('failed', (error as Error).message);
  }
}
