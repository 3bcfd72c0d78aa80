import { getTableColumns, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { type UserRow, users } from '../db/schema';

/**
 * The one description of the user's fields, read off the schema: a field is a column of `users`
 * with a `<field>Sequence` column beside it (the ZITADEL event sequence that last set it). Every
 * statement, type and fold below is derived from this, so adding or renaming a field is a change
 * in schema.ts that the compiler follows everywhere.
 */
const columns = getTableColumns(users);
type Columns = typeof columns;

export type FieldName = {
  [K in keyof Columns]: `${K & string}Sequence` extends keyof Columns ? K : never;
}[keyof Columns];

/** Every field, in the schema's order. */
export const FIELD_NAMES = (Object.keys(columns) as (keyof Columns)[]).filter(
  (key): key is FieldName => `${key}Sequence` in columns,
);

export type FieldValues = Pick<UserRow, FieldName>;
/** The fields one event sets. Absent means "this event says nothing about it". */
export type FieldChanges = Partial<FieldValues>;

/** Each field's value column and the column recording the sequence that set it. */
export const FIELD_COLUMNS = Object.fromEntries(
  FIELD_NAMES.map((field) => [
    field,
    { value: columns[field] as PgColumn, sequence: columns[`${field}Sequence`] as PgColumn },
  ]),
) as Record<FieldName, { value: PgColumn; sequence: PgColumn }>;

/** What a row holds for a field nothing has set yet: the column's default (null if it has none). */
export const FIELD_DEFAULTS = Object.fromEntries(
  FIELD_NAMES.map((field) => {
    const column = columns[field];
    return [field, column.hasDefault ? column.default : null];
  }),
) as FieldValues;

/** The personal fields (all but the state) as an erased user holds them: their defaults. */
export const ERASED_FIELDS: FieldChanges = Object.fromEntries(
  FIELD_NAMES.filter((field) => field !== 'state').map((field) => [field, FIELD_DEFAULTS[field]]),
);

/** Fields with the sequence that set each (0: never set). */
export interface SequencedFields {
  values: FieldValues;
  sequences: Record<FieldName, number>;
}

const UNSET_SEQUENCES = Object.fromEntries(FIELD_NAMES.map((field) => [field, 0])) as Record<
  FieldName,
  number
>;

export function unsetFields(): SequencedFields {
  return { values: { ...FIELD_DEFAULTS }, sequences: { ...UNSET_SEQUENCES } };
}

/**
 * The rule, in memory: a write moves a field only when its sequence is newer than the field's, so
 * partial events arriving in any order converge to each field's newest event. `NEWER_WINS` below is
 * the same rule in SQL; a test folds random event orders both ways and compares.
 */
export function foldWrite(target: SequencedFields, changes: FieldChanges, sequence: number): void {
  for (const field of FIELD_NAMES) {
    if (!(field in changes) || target.sequences[field] >= sequence) continue;
    target.sequences[field] = sequence;
    (target.values as Record<FieldName, unknown>)[field] = changes[field];
  }
}

/**
 * The same rule in SQL, for `INSERT … ON CONFLICT (zitadel_user_id) DO UPDATE SET`: each field and
 * its sequence move only where `excluded`'s sequence is newer (every right-hand side sees the old
 * row). Used by the events' and the sweep's upserts; test/provisioning-statements.test.ts holds it
 * to the schema, test/field-rule.test.ts to foldWrite.
 */
export const NEWER_WINS = sql.raw(`
  email = case when users.email_sequence < excluded.email_sequence
    then excluded.email else users.email end,
  email_sequence = greatest(users.email_sequence, excluded.email_sequence),
  email_verified = case when users.email_verified_sequence < excluded.email_verified_sequence
    then excluded.email_verified else users.email_verified end,
  email_verified_sequence = greatest(users.email_verified_sequence, excluded.email_verified_sequence),
  display_name = case when users.display_name_sequence < excluded.display_name_sequence
    then excluded.display_name else users.display_name end,
  display_name_sequence = greatest(users.display_name_sequence, excluded.display_name_sequence),
  given_name = case when users.given_name_sequence < excluded.given_name_sequence
    then excluded.given_name else users.given_name end,
  given_name_sequence = greatest(users.given_name_sequence, excluded.given_name_sequence),
  family_name = case when users.family_name_sequence < excluded.family_name_sequence
    then excluded.family_name else users.family_name end,
  family_name_sequence = greatest(users.family_name_sequence, excluded.family_name_sequence),
  state = case when users.state_sequence < excluded.state_sequence
    then excluded.state else users.state end,
  state_sequence = greatest(users.state_sequence, excluded.state_sequence)`);

/** True in `ON CONFLICT DO UPDATE` when the incoming row moves at least one field. */
export const ANY_FIELD_NEWER = sql.raw(`(users.email_sequence < excluded.email_sequence
      or users.email_verified_sequence < excluded.email_verified_sequence
      or users.display_name_sequence < excluded.display_name_sequence
      or users.given_name_sequence < excluded.given_name_sequence
      or users.family_name_sequence < excluded.family_name_sequence
      or users.state_sequence < excluded.state_sequence)`);
