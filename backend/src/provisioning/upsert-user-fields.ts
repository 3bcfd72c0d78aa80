import { sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { rowsOf } from '../db/rows-of';
import type { UserState } from '../db/schema';
import { CHANGEABLE_FIELDS, type FieldChanges } from './identity-event';

export type FieldName = (typeof CHANGEABLE_FIELDS)[number];

/** Field values for one user, each with the ZITADEL sequence that set it. */
export interface UserFieldWrite {
  zitadelUserId: string;
  orgId: string | null;
  fields: { [F in FieldName]?: { value: FieldChanges[F]; sequence: number } };
}

export interface UserFieldOutcome {
  /** True when this statement inserted the row. */
  inserted: boolean;
  /** Each field's sequence after the write. */
  sequences: Record<FieldName, number>;
}

// The column recording the sequence that last set each field.
const SEQUENCE_COLUMN = {
  email: 'email_sequence',
  emailVerified: 'email_verified_sequence',
  displayName: 'display_name_sequence',
  givenName: 'given_name_sequence',
  familyName: 'family_name_sequence',
  state: 'state_sequence',
} as const satisfies Record<FieldName, string>;

const COLUMN = {
  email: 'email',
  emailVerified: 'email_verified',
  displayName: 'display_name',
  givenName: 'given_name',
  familyName: 'family_name',
  state: 'state',
} as const satisfies Record<FieldName, string>;

type WrittenRow = { zitadel_user_id: string; inserted: boolean } & Record<
  (typeof SEQUENCE_COLUMN)[FieldName],
  string | number
>;

// What a new row holds for a field no write has set yet (its sequence stays 0).
const DEFAULTS: Required<{ [K in FieldName]: FieldChanges[K] }> = {
  email: null,
  emailVerified: false,
  displayName: '',
  givenName: '',
  familyName: '',
  state: 'active' satisfies UserState,
};

/**
 * Upserts every user of `writes` in one statement, each field moving only where the incoming
 * sequence is newer than the field's. Returns each user's row state after the write.
 */
export async function upsertUserFields(
  db: Database,
  writes: readonly UserFieldWrite[],
): Promise<Map<string, UserFieldOutcome>> {
  if (writes.length === 0) return new Map();
  // One row per user, sorted so concurrent batches lock rows in the same order (no deadlock).
  const rows = [...writes]
    .sort((a, b) =>
      a.zitadelUserId < b.zitadelUserId ? -1 : a.zitadelUserId > b.zitadelUserId ? 1 : 0,
    )
    .map((write) => {
      const row: Record<string, unknown> = {
        zitadel_user_id: write.zitadelUserId,
        org_id: write.orgId,
      };
      for (const field of CHANGEABLE_FIELDS) {
        const incoming = write.fields[field];
        row[COLUMN[field]] = incoming ? incoming.value : DEFAULTS[field];
        row[SEQUENCE_COLUMN[field]] = incoming ? incoming.sequence : 0;
      }
      return row;
    });
  // In ON CONFLICT … SET every right-hand side sees the row as it was before this statement.
  const guarded = (name: string) =>
    sql.raw(
      `${name} = case when users.${name}_sequence < excluded.${name}_sequence then excluded.${name} else users.${name} end, ` +
        `${name}_sequence = greatest(users.${name}_sequence, excluded.${name}_sequence)`,
    );
  const written = rowsOf<WrittenRow>(
    await db.execute(sql`
      insert into users (
        zitadel_user_id, org_id,
        email, email_sequence, email_verified, email_verified_sequence,
        display_name, display_name_sequence, given_name, given_name_sequence,
        family_name, family_name_sequence, state, state_sequence)
      select
        zitadel_user_id, org_id,
        email, email_sequence, email_verified, email_verified_sequence,
        display_name, display_name_sequence, given_name, given_name_sequence,
        family_name, family_name_sequence, state, state_sequence
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as incoming(
        zitadel_user_id text, org_id text,
        email text, email_sequence bigint, email_verified boolean, email_verified_sequence bigint,
        display_name text, display_name_sequence bigint, given_name text, given_name_sequence bigint,
        family_name text, family_name_sequence bigint, state text, state_sequence bigint)
      on conflict (zitadel_user_id) do update set
        ${guarded('email')}, ${guarded('email_verified')}, ${guarded('display_name')},
        ${guarded('given_name')}, ${guarded('family_name')}, ${guarded('state')},
        org_id = coalesce(users.org_id, excluded.org_id),
        updated_at = case when users.email_sequence < excluded.email_sequence
            or users.email_verified_sequence < excluded.email_verified_sequence
            or users.display_name_sequence < excluded.display_name_sequence
            or users.given_name_sequence < excluded.given_name_sequence
            or users.family_name_sequence < excluded.family_name_sequence
            or users.state_sequence < excluded.state_sequence
          then now() else users.updated_at end
      returning zitadel_user_id, (xmax = 0) as inserted,
        email_sequence, email_verified_sequence, display_name_sequence,
        given_name_sequence, family_name_sequence, state_sequence`),
  );
  return new Map(
    written.map((row) => [
      row.zitadel_user_id,
      {
        inserted: row.inserted === true,
        sequences: Object.fromEntries(
          CHANGEABLE_FIELDS.map((field) => [field, Number(row[SEQUENCE_COLUMN[field]])]),
        ) as Record<FieldName, number>,
      },
    ]),
  );
}
