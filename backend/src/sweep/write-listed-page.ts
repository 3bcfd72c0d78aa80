import { sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Database } from '../db/open-database';
import { rowsOf } from '../db/rows-of';
import { sweepListed, users } from '../db/schema';
import { columnNames, jsonRecordset } from '../provisioning/json-recordset';
import {
  FIELD_COLUMNS,
  FIELD_DEFAULTS,
  FIELD_NAMES,
  movesAnyField,
  nameOf,
  newerWins,
} from '../provisioning/user-fields';
import type { ListedUser } from '../reconciler/parse-listed-users';
import { snapshotOf } from '../reconciler/user-snapshot';

// The columns a listed user fills, in one order for the JSON rows, the record type and the insert.
const WRITTEN: PgColumn[] = [
  users.zitadelUserId,
  users.orgId,
  ...FIELD_NAMES.flatMap((field) => [FIELD_COLUMNS[field].value, FIELD_COLUMNS[field].sequence]),
];
const columnList = columnNames(WRITTEN);
const id = nameOf(users.zitadelUserId);
const orgId = nameOf(users.orgId);
// The org id is learned once (an org.removed needs it) and never changes in ZITADEL.
const learnsOrg = sql`(${users.orgId} is null and excluded.${orgId} is not null)`;

/**
 * One ListUsers page in one statement: the page's ids are recorded for the run (`sweep_listed`),
 * and each user is inserted, or updated where the listing is newer under the per-field rule
 * (a field moves only to a newer sequence). A user already current is not written at all: the
 * steady hourly sweep leaves no dead rows behind. Returns the ids inserted and updated.
 *
 *   with incoming as (select * from jsonb_to_recordset($page) as incoming(zitadel_user_id text, …)),
 *   listed as (insert into sweep_listed (run_id, zitadel_user_id)
 *              select $run, zitadel_user_id from incoming on conflict do nothing)
 *   insert into users (zitadel_user_id, org_id, email, email_sequence, …)
 *   select zitadel_user_id, org_id, email, email_sequence, … from incoming
 *   on conflict (zitadel_user_id) do update set
 *     email = case when users.email_sequence < excluded.email_sequence then excluded.email
 *                  else users.email end, …, updated_at = now()
 *   where users.email_sequence < excluded.email_sequence or … or (users.org_id is null and …)
 *   returning zitadel_user_id, (xmax = 0) as inserted
 */
export async function writeListedPage(
  db: Database,
  runId: number | undefined,
  page: readonly ListedUser[],
): Promise<{ inserted: string[]; updated: string[] }> {
  // One user twice in a page (ties without a tie-breaker) is one write: an upsert cannot touch a
  // row twice. The newer listing of the two wins.
  const byId = new Map<string, ListedUser>();
  for (const user of page) {
    const seen = byId.get(user.userId);
    if (!seen || seen.sequence < user.sequence) byId.set(user.userId, user);
  }
  const rows: Record<string, unknown>[] = [];
  for (const user of byId.values()) {
    const snapshot = snapshotOf(user);
    if (!snapshot) continue;
    const row: Record<string, unknown> = {
      [users.zitadelUserId.name]: snapshot.zitadelUserId,
      [users.orgId.name]: snapshot.orgId,
    };
    for (const field of FIELD_NAMES) {
      const incoming = snapshot.fields[field];
      row[FIELD_COLUMNS[field].value.name] = incoming ? incoming.value : FIELD_DEFAULTS[field];
      row[FIELD_COLUMNS[field].sequence.name] = incoming ? incoming.sequence : 0;
    }
    rows.push(row);
  }
  // Sorted so concurrent writers (webhooks) lock rows in one order.
  rows.sort((a, b) => (String(a.zitadel_user_id) < String(b.zitadel_user_id) ? -1 : 1));
  if (rows.length === 0) return { inserted: [], updated: [] };
  const record =
    runId === undefined
      ? sql``
      : sql`
    , listed as (
      insert into ${sweepListed} (${nameOf(sweepListed.runId)}, ${nameOf(sweepListed.zitadelUserId)})
      select ${runId}::bigint, ${id} from incoming
      on conflict do nothing)`;
  const written = rowsOf<{ zitadel_user_id: string; inserted: boolean }>(
    await db.execute(sql`
      with incoming as (select * from ${jsonRecordset('page', WRITTEN, rows)})${record}
      insert into ${users} (${columnList})
      select ${columnList} from incoming
      on conflict (${id}) do update set ${sql.join(
        [
          ...newerWins(),
          sql`${orgId} = coalesce(${users.orgId}, excluded.${orgId})`,
          sql`${nameOf(users.updatedAt)} = now()`,
        ],
        sql`, `,
      )}
      where ${movesAnyField()} or ${learnsOrg}
      returning ${id}, (xmax = 0) as inserted`),
  );
  const inserted: string[] = [];
  const updated: string[] = [];
  for (const row of written) (row.inserted ? inserted : updated).push(row.zitadel_user_id);
  return { inserted, updated };
}
