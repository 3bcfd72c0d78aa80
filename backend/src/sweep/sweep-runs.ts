import { and, desc, eq, isNotNull, lt, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { rowsOf } from '../db/rows-of';
import { type SweepOutcome, sweepListed, sweepRuns } from '../db/schema';

/**
 * The sweep's bookkeeping in SQL. Listed ids go to `sweep_listed` page by page (write-listed-page.ts);
 * who to remove is then one anti-join, so no process holds every user.
 */

// A run still `running` after this long belongs to a process that died (a sweep of a million
// users takes about a minute): it is marked failed and its listed ids go.
const ABANDONED_AFTER = sql`interval '6 hours'`;

/**
 * Starts a run: its `started_at` is the database's now(). Leftovers of dead runs go; a run another
 * replica may still be finishing (leadership moved mid-sweep) keeps its ids.
 */
export async function beginRun(db: Database): Promise<number> {
  await db
    .update(sweepRuns)
    .set({ outcome: 'failed', finishedAt: sql`now()`, reason: 'the process stopped mid-run' })
    .where(
      and(
        eq(sweepRuns.outcome, 'running'),
        lt(sweepRuns.startedAt, sql`now() - ${ABANDONED_AFTER}`),
      ),
    );
  await db.execute(sql`
    delete from ${sweepListed} where ${sweepListed.runId} not in
      (select ${sweepRuns.id} from ${sweepRuns} where ${sweepRuns.outcome} = 'running')`);
  const [run] = await db.insert(sweepRuns).values({}).returning({ id: sweepRuns.id });
  if (!run) throw new Error('sweep_runs insert returned no row');
  return run.id;
}

/** How many distinct users the run listed. */
export async function countListed(db: Database, runId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<string>`count(*)` })
    .from(sweepListed)
    .where(eq(sweepListed.runId, runId));
  return Number(row?.n ?? 0);
}

/**
 * App users the listing did not hold, at most `limit` after `afterId` in id order: not removed,
 * and created before the listing began (a user created since may have been passed by it).
 *
 *   select u.zitadel_user_id from users u
 *   where u.state <> 'removed' and u.zitadel_user_id > $afterId
 *     and u.created_at < (select started_at from sweep_runs where id = $run)
 *     and not exists (select 1 from sweep_listed l
 *                     where l.run_id = $run and l.zitadel_user_id = u.zitadel_user_id)
 *   order by u.zitadel_user_id limit $limit
 */
export async function unlistedUsers(
  db: Database,
  runId: number,
  afterId: string,
  limit: number,
): Promise<string[]> {
  const rows = rowsOf<{ zitadel_user_id: string }>(
    await db.execute(sql`
      select u.zitadel_user_id from users u
      where u.state <> 'removed' and u.zitadel_user_id > ${afterId}
        and u.created_at < (select started_at from sweep_runs where id = ${runId})
        and not exists (select 1 from sweep_listed l
                        where l.run_id = ${runId} and l.zitadel_user_id = u.zitadel_user_id)
      order by u.zitadel_user_id
      limit ${limit}`),
  );
  return rows.map((row) => row.zitadel_user_id);
}

export interface RunCounts {
  listed: number;
  created: number;
  updated: number;
  removed: number;
}

/** Ends a run with its outcome and counts; its listed ids go. */
export async function finishRun(
  db: Database,
  runId: number,
  outcome: Exclude<SweepOutcome, 'running'>,
  counts: RunCounts,
  reason?: string,
): Promise<void> {
  await db
    .update(sweepRuns)
    .set({ outcome, ...counts, reason: reason ?? null, finishedAt: sql`now()` })
    .where(eq(sweepRuns.id, runId));
  await db.delete(sweepListed).where(eq(sweepListed.runId, runId));
}

/** When the newest complete sweep finished, or undefined if none has. */
export async function lastCompleteSweep(db: Database): Promise<Date | undefined> {
  const [row] = await db
    .select({ finishedAt: sweepRuns.finishedAt })
    .from(sweepRuns)
    .where(and(eq(sweepRuns.outcome, 'complete'), isNotNull(sweepRuns.finishedAt)))
    .orderBy(desc(sweepRuns.finishedAt))
    .limit(1);
  return row?.finishedAt ?? undefined;
}

/** Runs other than running ones, newest first (for health and tests). */
export async function recentRuns(db: Database, limit: number) {
  return db
    .select()
    .from(sweepRuns)
    .where(ne(sweepRuns.outcome, 'running'))
    .orderBy(desc(sweepRuns.id))
    .limit(limit);
}

/**
 * After a complete listing every human created before it began has a row: state events kept for
 * an id with no row, dated before the listing began, belong to a machine user (or one removed
 * since) and never apply. Returns how many it dropped.
 *
 *   delete from pending_identity_events p
 *   where p.event_time < (select started_at from sweep_runs where id = $run)
 *     and not exists (select 1 from users u where u.zitadel_user_id = p.aggregate_id)
 */
export async function dropUnclaimedPending(db: Database, runId: number): Promise<number> {
  const dropped = rowsOf<{ aggregate_id: string }>(
    await db.execute(sql`
      delete from pending_identity_events p
      where p.event_time < (select started_at from sweep_runs where id = ${runId})
        and not exists (select 1 from users u where u.zitadel_user_id = p.aggregate_id)
      returning p.aggregate_id`),
  );
  return dropped.length;
}
