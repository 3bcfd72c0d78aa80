import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { rowsOf } from '../db/rows-of';
import { type UserState, users } from '../db/schema';
import {
  ANY_FIELD_NEWER,
  FIELD_COLUMNS,
  FIELD_DEFAULTS,
  FIELD_NAMES,
  type FieldName,
  type FieldValues,
  NEWER_WINS,
} from './user-fields';

/** Field values for one user, each with the ZITADEL sequence that set it. */
export interface UserFieldWrite {
  zitadelUserId: string;
  orgId: string | null;
  fields: { [F in FieldName]?: { value: FieldValues[F]; sequence: number } };
  /**
   * May this write create the row? Only what proves a human may (user.human.* events, ListUsers
   * snapshots of humans); anything else only updates a user the app already has.
   */
  creates: boolean;
}

export interface UserFieldOutcome {
  /** True when this statement inserted the row. */
  inserted: boolean;
  state: UserState;
  /** Each field's sequence after the write. */
  sequences: Record<FieldName, number>;
}

/**
 * Every write as one JSON parameter, expanded by jsonb_to_recordset (one statement and one
 * parameter for any batch size: a multi-row VALUES list costs a parameter per cell). A write that
 * may not create is kept only if its row exists: a scalar subquery, one index probe and only for
 * such writes (an EXISTS here may be planned as a hashed subplan, a scan of the whole table). The
 * per-field rule (NEWER_WINS): a field moves only when the incoming sequence is newer than its own.
 * Its column lists are checked against schema.ts by test/provisioning-statements.test.ts.
 */
export const upsertStatement = (rows: string): SQL => sql`
insert into users (zitadel_user_id, org_id, email, email_sequence, email_verified,
  email_verified_sequence, display_name, display_name_sequence, given_name, given_name_sequence,
  family_name, family_name_sequence, state, state_sequence)
select zitadel_user_id, org_id, email, email_sequence, email_verified,
  email_verified_sequence, display_name, display_name_sequence, given_name, given_name_sequence,
  family_name, family_name_sequence, state, state_sequence
from jsonb_to_recordset(${rows}::jsonb) as incoming(zitadel_user_id text, org_id text,
  email text, email_sequence bigint, email_verified boolean, email_verified_sequence bigint,
  display_name text, display_name_sequence bigint, given_name text, given_name_sequence bigint,
  family_name text, family_name_sequence bigint, state text, state_sequence bigint,
  creates boolean)
where incoming.creates
  or (select true from users where users.zitadel_user_id = incoming.zitadel_user_id)
on conflict (zitadel_user_id) do update set ${NEWER_WINS},
  org_id = coalesce(users.org_id, excluded.org_id),
  updated_at = case when ${ANY_FIELD_NEWER} then now() else users.updated_at end
returning zitadel_user_id, (xmax = 0) as inserted, state, email_sequence, email_verified_sequence,
  display_name_sequence, given_name_sequence, family_name_sequence, state_sequence`;

/**
 * Upserts every user of `writes` in one statement, each field moving only where the incoming
 * sequence is newer than the field's; a write that may not create a row only updates an existing
 * one. Returns the state after the write of every user that has a row.
 */
export async function upsertUserFields(
  db: Database,
  writes: readonly UserFieldWrite[],
): Promise<Map<string, UserFieldOutcome>> {
  if (writes.length === 0) return new Map();
  // Sorted so concurrent batches lock rows in one order (no deadlock). Rows are keyed by the
  // columns' database names, as the recordset reads them.
  const rows = [...writes]
    .sort((a, b) =>
      a.zitadelUserId < b.zitadelUserId ? -1 : a.zitadelUserId > b.zitadelUserId ? 1 : 0,
    )
    .map((write) => {
      const row: Record<string, unknown> = {
        [users.zitadelUserId.name]: write.zitadelUserId,
        [users.orgId.name]: write.orgId,
        creates: write.creates,
      };
      for (const field of FIELD_NAMES) {
        const incoming = write.fields[field];
        row[FIELD_COLUMNS[field].value.name] = incoming ? incoming.value : FIELD_DEFAULTS[field];
        row[FIELD_COLUMNS[field].sequence.name] = incoming ? incoming.sequence : 0;
      }
      return row;
    });
  const written = rowsOf<Record<string, unknown>>(
    await db.execute(upsertStatement(JSON.stringify(rows))),
  );
  const outcomes = new Map<string, UserFieldOutcome>();
  for (const row of written) {
    const sequences = {} as Record<FieldName, number>;
    for (const field of FIELD_NAMES) {
      sequences[field] = Number(row[FIELD_COLUMNS[field].sequence.name]);
    }
    outcomes.set(String(row[users.zitadelUserId.name]), {
      inserted: row.inserted === true,
      state: row[users.state.name] as UserState,
      sequences,
    });
  }
  return outcomes;
}
