import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/**
 * Many rows as one JSON parameter, expanded by `jsonb_to_recordset` into a relation whose columns
 * are `columns` (names and types from the schema) plus `extra`. One statement and one parameter
 * for any batch size — a multi-row VALUES list costs a parameter per cell, and building it was most
 * of the time — the same on postgres.js and PGlite. Rows are keyed by the columns' database names.
 */
export function jsonRecordset(
  alias: string,
  columns: readonly PgColumn[],
  rows: readonly Record<string, unknown>[],
  extra: SQL = sql``,
): SQL {
  const types = sql.join(
    columns.map((column) => sql`${sql.identifier(column.name)} ${sql.raw(column.getSQLType())}`),
    sql`, `,
  );
  return sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as ${sql.identifier(alias)}(${types}${extra})`;
}

/** A column list by database name, for `insert into t (…)` and `select … from` a recordset. */
export const columnNames = (columns: readonly PgColumn[]): SQL =>
  sql.join(
    columns.map((column) => sql.identifier(column.name)),
    sql`, `,
  );
