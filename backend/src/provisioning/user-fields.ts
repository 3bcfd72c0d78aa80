import { getTableColumns, type SQL, sql } from 'drizzle-orm';
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
 * partial events arriving in any order converge to each field's newest event. `newerWins` below is
 * the same rule in SQL; a test folds random event orders both ways and compares.
 */
export function foldWrite(
  target: SequencedFields,
  changes: FieldChanges,
  sequence: number,
): boolean {
  let moved = false;
  for (const field of FIELD_NAMES) {
    if (!(field in changes) || target.sequences[field] >= sequence) continue;
    target.sequences[field] = sequence;
    (target.values as Record<FieldName, unknown>)[field] = changes[field];
    moved = true;
  }
  return moved;
}

/** The database's name of a column, for column lists and `excluded.` references. */
export const nameOf = (column: PgColumn): SQL => sql`${sql.identifier(column.name)}`;

/**
 * The rule in `INSERT … ON CONFLICT DO UPDATE SET`: assignments of each field and its sequence,
 * moving only where `excluded`'s sequence is newer. (Every right-hand side sees the old row.)
 */
export function newerWins(): SQL[] {
  return FIELD_NAMES.flatMap((field) => {
    const { value, sequence } = FIELD_COLUMNS[field];
    return [
      sql`${nameOf(value)} = case when ${sequence} < excluded.${nameOf(sequence)} then excluded.${nameOf(value)} else ${value} end`,
      sql`${nameOf(sequence)} = greatest(${sequence}, excluded.${nameOf(sequence)})`,
    ];
  });
}

/** True in `ON CONFLICT DO UPDATE` when the incoming row moves at least one field. */
export const movesAnyField = (): SQL =>
  sql.join(
    FIELD_NAMES.map((field) => {
      const { sequence } = FIELD_COLUMNS[field];
      return sql`${sequence} < excluded.${nameOf(sequence)}`;
    }),
    sql` or `,
  );
