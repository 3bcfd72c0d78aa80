import { sql } from 'drizzle-orm';
import type { Database } from '../../src/db/open-database';
import { rowsOf } from '../../src/db/rows-of';
import { users } from '../../src/db/schema';
import { findDrift } from '../../src/reconciler/find-drift';
import {
  readUsersFromEvents,
  readUsersFromListUsers,
} from '../../src/reconciler/read-zitadel-users';
import type { ZitadelClient } from '../../src/zitadel-api/zitadel-client';
import type { BurstAnswer } from './local-idp-process';

/** A user the history wrote, with the fields the app must end up holding. */
export interface ExpectedUser {
  id: string;
  email: string;
  familyName: string;
}

/** Burst users in index order: `<prefix>-<i>@burst.example`, "Burst" "User <i>", verified. */
export function expectedFromBurst(burst: BurstAnswer): ExpectedUser[] {
  return burst.users.map((user, index) => ({ ...user, familyName: `User ${index}` }));
}

export interface PresenceReport {
  expected: number;
  /** Expected users with exactly one row holding the latest fields. */
  present: number;
  missing: string[];
  wrong: string[];
  rows: number;
}

/** Which of `expected` the app database holds exactly once with their latest fields. */
export async function presence(db: Database, expected: ExpectedUser[]): Promise<PresenceReport> {
  const rows = rowsOf<{
    zitadel_user_id: string;
    copies: number;
    email: string | null;
    email_verified: boolean;
    given_name: string;
    family_name: string;
    display_name: string;
    state: string;
  }>(
    await db.execute(sql`
      select zitadel_user_id, count(*) over (partition by zitadel_user_id)::int as copies,
        email, email_verified, given_name, family_name, display_name, state
      from users`),
  );
  const byId = new Map(rows.map((row) => [row.zitadel_user_id, row]));
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const user of expected) {
    const row = byId.get(user.id);
    if (!row) missing.push(user.id);
    else if (
      row.copies !== 1 ||
      row.email !== user.email ||
      !row.email_verified ||
      row.given_name !== 'Burst' ||
      row.family_name !== user.familyName ||
      row.display_name !== `Burst ${user.familyName}` ||
      row.state !== 'active'
    ) {
      wrong.push(`${user.id}: ${JSON.stringify(row)}`);
    }
  }
  return {
    expected: expected.length,
    present: expected.length - missing.length - wrong.length,
    missing,
    wrong,
    rows: rows.length,
  };
}

/**
 * `sync:drift`'s two comparisons, run in-process through the same functions: ZITADEL's events read
 * exactly as the sync reads them, and ListUsers. Returns the number of differences of each.
 */
export async function driftCounts(
  client: ZitadelClient,
  db: Database,
  options: { settleMs: number },
): Promise<{ events: number; listUsers: number; zitadelUsers: number }> {
  const retry = { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 };
  const rows = await db.select().from(users);
  const fromEvents = await readUsersFromEvents(client, { retry, settleMs: options.settleMs });
  const current = await readUsersFromListUsers(client, retry);
  const count = (drift: ReturnType<typeof findDrift>) =>
    drift.missing.length + drift.extra.length + drift.different.length;
  return {
    events: count(findDrift(fromEvents.users, rows)),
    listUsers: count(findDrift(current, rows)),
    zitadelUsers: fromEvents.users.size,
  };
}
