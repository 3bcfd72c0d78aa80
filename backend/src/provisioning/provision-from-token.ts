import { randomUUID } from 'node:crypto';
import { eq, getTableColumns } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/open-database';
import { type UserRow, type UserState, users } from '../db/schema';
import type { Identity } from './identity';

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
//
// $1 zitadel_user_id, $2 email, $3 email_verified, $4 display_name, $5 given_name, $6 family_name
// (the profile: every field but the state), $7 the sequence, $8 the claim id. The sequence says how
// fresh the profile is (docs/decisions/029):
// - null (userinfo, fetched live from the issuer): the profile overwrites the row, and the fields'
//   sequences stay as they are, so the next newer event still applies;
// - a number (an Actions v2 body: `user.sequence`, ZITADEL's user projection as of that event):
//   the per-field rule of the webhook and the reconciler — a field moves only when its recorded
//   sequence is older — so a replayed, older body can never move a field back. 0 (a body without
//   a sequence) therefore only ever inserts a missing row.
// Its column lists are checked against schema.ts by test/provisioning-statements.test.ts.
export const PROVISION_FROM_TOKEN = `
with existing as (
  select * from users where zitadel_user_id = $1::text
), upserted as (
  insert into users (zitadel_user_id, email, email_verified, display_name, given_name, family_name,
    email_sequence, email_verified_sequence, display_name_sequence, given_name_sequence,
    family_name_sequence, claim_id)
  select $1::text, $2::text, $3::boolean, $4::text, $5::text, $6::text,
    coalesce($7::bigint, 0), coalesce($7::bigint, 0), coalesce($7::bigint, 0),
    coalesce($7::bigint, 0), coalesce($7::bigint, 0), $8::uuid
  where not exists (
    select 1 from existing
    where state in ('inactive', 'removed')
       or (($8::uuid is null or claim_id is not null) and case when $7::bigint is null
         then (email, email_verified, display_name, given_name, family_name)
              is not distinct from ($2::text, $3::boolean, $4::text, $5::text, $6::text)
         else least(email_sequence, email_verified_sequence, display_name_sequence,
                    given_name_sequence, family_name_sequence) >= $7::bigint end))
  on conflict (zitadel_user_id) do update set
    email = case when $7::bigint is null or users.email_sequence < $7::bigint
      then excluded.email else users.email end,
    email_sequence = greatest(users.email_sequence, coalesce($7::bigint, 0)),
    email_verified = case when $7::bigint is null or users.email_verified_sequence < $7::bigint
      then excluded.email_verified else users.email_verified end,
    email_verified_sequence = greatest(users.email_verified_sequence, coalesce($7::bigint, 0)),
    display_name = case when $7::bigint is null or users.display_name_sequence < $7::bigint
      then excluded.display_name else users.display_name end,
    display_name_sequence = greatest(users.display_name_sequence, coalesce($7::bigint, 0)),
    given_name = case when $7::bigint is null or users.given_name_sequence < $7::bigint
      then excluded.given_name else users.given_name end,
    given_name_sequence = greatest(users.given_name_sequence, coalesce($7::bigint, 0)),
    family_name = case when $7::bigint is null or users.family_name_sequence < $7::bigint
      then excluded.family_name else users.family_name end,
    family_name_sequence = greatest(users.family_name_sequence, coalesce($7::bigint, 0)),
    claim_id = coalesce(users.claim_id, excluded.claim_id),
    updated_at = case when
         (($7::bigint is null or users.email_sequence < $7::bigint)
           and users.email is distinct from excluded.email)
      or (($7::bigint is null or users.email_verified_sequence < $7::bigint)
           and users.email_verified is distinct from excluded.email_verified)
      or (($7::bigint is null or users.display_name_sequence < $7::bigint)
           and users.display_name is distinct from excluded.display_name)
      or (($7::bigint is null or users.given_name_sequence < $7::bigint)
           and users.given_name is distinct from excluded.given_name)
      or (($7::bigint is null or users.family_name_sequence < $7::bigint)
           and users.family_name is distinct from excluded.family_name)
      then now() else users.updated_at end
  where users.state not in ('inactive', 'removed')
  returning *, (xmax = 0) as inserted
)
select * from upserted
union all
select *, false as inserted from existing where not exists (select 1 from upserted)`;

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
  const [raw] = await database.query<Record<string, unknown>>(PROVISION_FROM_TOKEN, [
    identity.zitadelUserId,
    identity.email,
    identity.emailVerified,
    identity.displayName,
    identity.givenName,
    identity.familyName,
    options.sequence ?? null,
    claimId,
  ]);

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
