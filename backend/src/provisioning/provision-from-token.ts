import { randomUUID } from 'node:crypto';
import { eq, getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { DatabaseHandle } from '../db/open-database';
import { type UserRow, type UserState, users } from '../db/schema';
import type { Identity } from './identity';
import { prepareStatement } from './prepare-statement';
import { FIELD_COLUMNS, FIELD_NAMES, type FieldName, nameOf } from './user-fields';

export interface ProvisionResult {
  user: UserRow;
  /** True for exactly one GetOrCreate call per user, ever: the first one to claim the row. */
  created: boolean;
  /** True when this call inserted the row (for metrics: which path provisioned the user). */
  inserted: boolean;
}

/** The user exists but ZITADEL has deactivated or removed it: the app must not serve it. */
export class UserBlockedError extends Error {
  override name = 'UserBlockedError';
  constructor(readonly state: UserState) {
    super(`user is ${state}`);
  }
}

const BLOCKED: readonly UserState[] = ['inactive', 'removed'];

// One statement. `existing` reads the row; when it is already claimed (or no claim is asked for)
// and nothing would move, nothing is written at all — a returning user's sign-in is a read, with no
// row lock and no WAL flush. Otherwise INSERT … ON CONFLICT DO UPDATE takes the row lock, so N
// concurrent first calls give one row; a row a concurrent call inserted after our snapshot is still
// found through the conflict. A deactivated or removed user is neither refreshed nor claimed.
// The profile's columns come from the field table, so the statement follows the schema.
//
// `sequence` says how fresh the profile is (docs/decisions/029):
// - null (userinfo, fetched live from the issuer): the profile overwrites the row, and the fields'
//   sequences stay as they are, so the next newer event still applies;
// - a number (an Actions v2 body: `user.sequence`, ZITADEL's user projection as of that event):
//   the per-field rule of the webhook and the reconciler — a field moves only when its recorded
//   sequence is older — so a replayed, older body can never move a field back. 0 (a body without
//   a sequence) therefore only ever inserts a missing row.
type Param = keyof Identity | 'claimId' | 'sequence';
const PROFILE = FIELD_NAMES.filter((field) => field !== 'state') as Exclude<FieldName, 'state'>[];
const profile = PROFILE.map((field) => FIELD_COLUMNS[field].value);
const sequences = PROFILE.map((field) => FIELD_COLUMNS[field].sequence);
const given = (name: Param, column: PgColumn) =>
  sql`${sql.placeholder(name)}::${sql.raw(column.getSQLType())}`;
const sub = given('zitadelUserId', users.zitadelUserId);
const claim = given('claimId', users.claimId);
const sequence = sql`${sql.placeholder('sequence')}::bigint`;
const givenProfile = sql.join(
  PROFILE.map((field) => given(field, FIELD_COLUMNS[field].value)),
  sql`, `,
);
const list = (columns: PgColumn[], prefix = sql``) =>
  sql.join(
    columns.map((column) => sql`${prefix}${nameOf(column)}`),
    sql`, `,
  );
const blocked = sql.join(
  BLOCKED.map((state) => sql.raw(`'${state}'`)),
  sql`, `,
);
/** May the incoming profile move the field whose sequence column this is? */
const mayMove = (fieldSequence: SQL) =>
  sql`(${sequence} is null or ${fieldSequence} < ${sequence})`;
const unchanged = sql`case when ${sequence} is null
  then (${list(profile)}) is not distinct from (${givenProfile})
  else least(${list(sequences)}) >= ${sequence} end`;
const [id, claimColumn, state] = [users.zitadelUserId, users.claimId, users.state].map(nameOf);
const PROVISION_FROM_TOKEN = prepareStatement<Param>(sql`
  with existing as (
    select * from ${users} where ${users.zitadelUserId} = ${sub}
  ), upserted as (
    insert into ${users} (${id}, ${list(profile)}, ${list(sequences)}, ${claimColumn})
    select ${sub}, ${givenProfile}, ${sql.join(
      sequences.map(() => sql`coalesce(${sequence}, 0)`),
      sql`, `,
    )}, ${claim}
    where not exists (
      select 1 from existing
      where ${state} in (${blocked})
         or ((${claim} is null or ${claimColumn} is not null) and ${unchanged}))
    on conflict (${id}) do update set
      ${sql.join(
        PROFILE.flatMap((field) => {
          const { value, sequence: fieldSequence } = FIELD_COLUMNS[field];
          return [
            sql`${nameOf(value)} = case when ${mayMove(sql`${fieldSequence}`)} then excluded.${nameOf(value)} else ${value} end`,
            sql`${nameOf(fieldSequence)} = greatest(${fieldSequence}, coalesce(${sequence}, 0))`,
          ];
        }),
        sql`, `,
      )},
      ${claimColumn} = coalesce(${users.claimId}, excluded.${claimColumn}),
      ${nameOf(users.updatedAt)} = case when ${sql.join(
        PROFILE.map((field) => {
          const { value, sequence: fieldSequence } = FIELD_COLUMNS[field];
          return sql`(${mayMove(sql`${fieldSequence}`)} and ${value} is distinct from excluded.${nameOf(value)})`;
        }),
        sql` or `,
      )} then now() else ${users.updatedAt} end
    where ${users.state} not in (${blocked})
    returning *, (xmax = 0) as inserted
  )
  select * from upserted
  union all
  select *, false as inserted from existing where not exists (select 1 from upserted)`);

/**
 * Creates the app user for a token's identity, or refreshes its profile from userinfo, in one
 * atomic statement. `INSERT … ON CONFLICT DO UPDATE` takes the row lock, so N concurrent first
 * calls give one row.
 *
 * `created` is decided by a claim: each call brings a fresh id and stores it only if the row has
 * none yet. Exactly one call ever finds its own id there — even when the webhook or the
 * reconciler inserted the row first, the user's first GetOrCreate still says "account ready".
 * Pass `claim: false` for lazy provisioning, which must not use up that moment.
 *
 * Without `sequence` (userinfo: a live snapshot without one) the profile overwrites the row and
 * the fields' sequences are untouched, so the next newer event still applies. With one (an Actions
 * v2 body, which a captured request can replay for 300 s) a field moves only when its recorded
 * sequence is older: a replay of an older body changes nothing.
 */
export async function provisionFromToken(
  database: Pick<DatabaseHandle, 'db' | 'query'>,
  identity: Identity,
  options: { claim: boolean; sequence?: number | undefined } = { claim: true },
): Promise<ProvisionResult> {
  const claimId = options.claim ? randomUUID() : null;
  const [raw] = await database.query<Record<string, unknown>>(
    PROVISION_FROM_TOKEN.text,
    PROVISION_FROM_TOKEN.params({ ...identity, claimId, sequence: options.sequence ?? null }),
  );

  if (!raw) {
    // Only a row that a concurrent call inserted after our snapshot, and that is blocked, gets here.
    const [current] = await database.db
      .select({ state: users.state })
      .from(users)
      .where(eq(users.zitadelUserId, identity.zitadelUserId));
    throw new UserBlockedError(current?.state ?? 'removed');
  }
  const user = toUserRow(raw);
  if (BLOCKED.includes(user.state)) throw new UserBlockedError(user.state);
  return {
    user,
    created: claimId !== null && user.claimId === claimId,
    inserted: raw.inserted === true,
  };
}

const COLUMNS = Object.entries(getTableColumns(users));

/** A row as the raw query returns it (database names, driver values) as drizzle would map it. */
function toUserRow(raw: Record<string, unknown>): UserRow {
  const row: Record<string, unknown> = {};
  for (const [key, column] of COLUMNS) row[key] = column.mapFromDriverValue(raw[column.name]);
  return row as UserRow;
}

/**
 * Lazy provisioning for any authenticated call: a cheap read by `sub` first, and only on a miss
 * the identity (userinfo) and the upsert.
 */
export async function findOrProvision(
  database: Pick<DatabaseHandle, 'db' | 'query'>,
  zitadelUserId: string,
  loadIdentity: () => Promise<Identity>,
): Promise<ProvisionResult> {
  const [existing] = await database.db
    .select()
    .from(users)
    .where(eq(users.zitadelUserId, zitadelUserId));
  if (existing) {
    if (BLOCKED.includes(existing.state)) throw new UserBlockedError(existing.state);
    return { user: existing, created: false, inserted: false };
  }
  return provisionFromToken(database, await loadIdentity(), { claim: false });
}
