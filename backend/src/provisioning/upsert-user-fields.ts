import { sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Database } from '../db/open-database';
import { rowsOf } from '../db/rows-of';
import { type UserState, users } from '../db/schema';
import { columnNames, jsonRecordset } from './json-recordset';
import {
  FIELD_COLUMNS,
  FIELD_DEFAULTS,
  FIELD_NAMES,
  type FieldName,
  type FieldValues,
  movesAnyField,
  nameOf,
  newerWins,
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

// The columns one write carries, in one order for the JSON rows, the record type and the insert.
const WRITTEN: PgColumn[] = [
  users.zitadelUserId,
  users.orgId,
  ...FIELD_NAMES.flatMap((field) => [FIELD_COLUMNS[field].value, FIELD_COLUMNS[field].sequence]),
];
const columnList = columnNames(WRITTEN);
const sequenceList = sql.join(
  FIELD_NAMES.map((field) => FIELD_COLUMNS[field].sequence),
  sql`, `,
);
const assignments = sql.join(
  [
    ...newerWins(),
    sql`${nameOf(users.orgId)} = coalesce(${users.orgId}, excluded.${nameOf(users.orgId)})`,
    sql`${nameOf(users.updatedAt)} = case when ${movesAnyField()} then now() else ${users.updatedAt} end`,
  ],
  sql`, `,
);

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
  // Sorted so concurrent batches lock rows in one order (no deadlock). A write that may not create
  // is kept only if its row exists: a scalar subquery, one index probe and only for such writes
  // (an EXISTS here may be planned as a hashed subplan, a scan of the whole table per statement).
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
  const id = nameOf(users.zitadelUserId);
  const written = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      insert into ${users} (${columnList})
      select ${columnList}
      from ${jsonRecordset('incoming', WRITTEN, rows, sql`, creates boolean`)}
      where incoming.creates
        or (select true from ${users} where ${users.zitadelUserId} = incoming.${id})
      on conflict (${id}) do update set ${assignments}
      returning ${id}, (xmax = 0) as inserted, ${nameOf(users.state)}, ${sequenceList}`),
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
