import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { rowsOf } from '../db/rows-of';
import { users } from '../db/schema';
import {
  ANY_FIELD_NEWER,
  FIELD_COLUMNS,
  FIELD_DEFAULTS,
  FIELD_NAMES,
  NEWER_WINS,
} from '../provisioning/user-fields';
import type { ListedUser } from '../zitadel-api/parse-listed-users';
import { snapshotOf } from '../zitadel-api/user-snapshot';

/**
 * The page as one JSON parameter (see upsert-user-fields.ts), recorded for the run when there is
 * one; the org id is learned once (an org.removed needs it) and never changes in ZITADEL.
 * Its column lists are checked against schema.ts by test/provisioning-statements.test.ts.
 */
export const listedPageStatement = (rows: string, runId: number | undefined): SQL => sql`
with incoming as (
  select * from jsonb_to_recordset(${rows}::jsonb) as page(zitadel_user_id text, org_id text,
    email text, email_sequence bigint, email_verified boolean, email_verified_sequence bigint,
    display_name text, display_name_sequence bigint, given_name text, given_name_sequence bigint,
    family_name text, family_name_sequence bigint, state text, state_sequence bigint)
)${
  runId === undefined
    ? sql``
    : sql`, listed as (
  insert into sweep_listed (run_id, zitadel_user_id)
  select ${runId}::bigint, zitadel_user_id from incoming
  on conflict do nothing
)`
}
insert into users (zitadel_user_id, org_id, email, email_sequence, email_verified,
  email_verified_sequence, display_name, display_name_sequence, given_name, given_name_sequence,
  family_name, family_name_sequence, state, state_sequence)
select zitadel_user_id, org_id, email, email_sequence, email_verified,
  email_verified_sequence, display_name, display_name_sequence, given_name, given_name_sequence,
  family_name, family_name_sequence, state, state_sequence
from incoming
on conflict (zitadel_user_id) do update set ${NEWER_WINS},
  org_id = coalesce(users.org_id, excluded.org_id),
  updated_at = now()
where ${ANY_FIELD_NEWER} or (users.org_id is null and excluded.org_id is not null)
returning zitadel_user_id, (xmax = 0) as inserted`;

/**
 * One ListUsers page in one statement: the page's ids are recorded for the run (`sweep_listed`),
 * and each user is inserted, or updated where the listing is newer under the per-field rule
 * (a field moves only to a newer sequence). A user already current is not written at all: the
 * steady hourly sweep leaves no dead rows behind. Returns the ids inserted and updated.
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
  const written = rowsOf<{ zitadel_user_id: string; inserted: boolean }>(
    await db.execute(listedPageStatement(JSON.stringify(rows), runId)),
  );
  const inserted: string[] = [];
  const updated: string[] = [];
  for (const row of written) (row.inserted ? inserted : updated).push(row.zitadel_user_id);
  return { inserted, updated };
}
