import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
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
 * Event sequences are untouched: userinfo is a snapshot without one, and the next newer event
 * still applies.
 */
// One statement. `existing` reads the row; when it is already claimed (or no claim is asked for)
// and its profile is unchanged, nothing is written at all — a returning user's sign-in is a read,
// with no row lock and no WAL flush. Otherwise INSERT … ON CONFLICT DO UPDATE takes the row lock,
// so N concurrent first calls give one row; a row a concurrent call inserted after our snapshot is
// still found through the conflict. A deactivated or removed user is neither refreshed nor claimed.
// Parameters: $1 zitadel user id, $2 email, $3 email verified, $4 display name, $5 given name,
// $6 family name, $7 claim id (null: do not claim).
const PROVISION_FROM_TOKEN = `
  with existing as (
    select * from users where zitadel_user_id = $1::text
  ), upserted as (
    insert into users (zitadel_user_id, email, email_verified, display_name, given_name, family_name, claim_id)
    select $1::text, $2::text, $3::boolean, $4::text, $5::text, $6::text, $7::uuid
    where not exists (
      select 1 from existing
      where state in ('inactive', 'removed')
         or (($7::uuid is null or claim_id is not null)
             and (email, email_verified, display_name, given_name, family_name)
                 is not distinct from ($2::text, $3::boolean, $4::text, $5::text, $6::text)))
    on conflict (zitadel_user_id) do update set
      email = excluded.email,
      email_verified = excluded.email_verified,
      display_name = excluded.display_name,
      given_name = excluded.given_name,
      family_name = excluded.family_name,
      claim_id = coalesce(users.claim_id, excluded.claim_id),
      updated_at = case
        when (users.email, users.email_verified, users.display_name, users.given_name, users.family_name)
             is distinct from (excluded.email, excluded.email_verified, excluded.display_name, excluded.given_name, excluded.family_name)
        then now() else users.updated_at end
    where users.state not in ('inactive', 'removed')
    returning *, (xmax = 0) as inserted
  )
  select * from upserted
  union all
  select *, false as inserted from existing where not exists (select 1 from upserted)`;

export async function provisionFromToken(
  database: Pick<DatabaseHandle, 'db' | 'query'>,
  identity: Identity,
  options: { claim: boolean } = { claim: true },
): Promise<ProvisionResult> {
  const claimId = options.claim ? randomUUID() : null;
  const [raw] = await database.query<RawUserRow>(PROVISION_FROM_TOKEN, [
    identity.zitadelUserId,
    identity.email,
    identity.emailVerified,
    identity.displayName,
    identity.givenName,
    identity.familyName,
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

interface RawUserRow {
  id: string;
  zitadel_user_id: string;
  org_id: string | null;
  email: string | null;
  email_verified: boolean;
  display_name: string;
  given_name: string;
  family_name: string;
  state: UserState;
  email_sequence: string | number;
  email_verified_sequence: string | number;
  display_name_sequence: string | number;
  given_name_sequence: string | number;
  family_name_sequence: string | number;
  state_sequence: string | number;
  claim_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  inserted: boolean;
}

function toUserRow(raw: RawUserRow): UserRow {
  return {
    id: raw.id,
    zitadelUserId: raw.zitadel_user_id,
    orgId: raw.org_id,
    email: raw.email,
    emailVerified: raw.email_verified,
    displayName: raw.display_name,
    givenName: raw.given_name,
    familyName: raw.family_name,
    state: raw.state,
    emailSequence: Number(raw.email_sequence),
    emailVerifiedSequence: Number(raw.email_verified_sequence),
    displayNameSequence: Number(raw.display_name_sequence),
    givenNameSequence: Number(raw.given_name_sequence),
    familyNameSequence: Number(raw.family_name_sequence),
    stateSequence: Number(raw.state_sequence),
    claimId: raw.claim_id,
    createdAt: new Date(raw.created_at),
    updatedAt: new Date(raw.updated_at),
  };
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
