import { randomUUID } from 'node:crypto';
import { eq, getTableColumns, sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
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
export async function provisionFromToken(
  db: Database,
  identity: Identity,
  options: { claim: boolean } = { claim: true },
): Promise<ProvisionResult> {
  const claimId = options.claim ? randomUUID() : null;
  const changed = sql`(${users.email}, ${users.emailVerified}, ${users.displayName}, ${users.givenName}, ${users.familyName})
    is distinct from (excluded.email, excluded.email_verified, excluded.display_name, excluded.given_name, excluded.family_name)`;

  const [row] = await db
    .insert(users)
    .values({
      zitadelUserId: identity.zitadelUserId,
      email: identity.email,
      emailVerified: identity.emailVerified,
      displayName: identity.displayName,
      givenName: identity.givenName,
      familyName: identity.familyName,
      claimId,
    })
    .onConflictDoUpdate({
      target: users.zitadelUserId,
      set: {
        email: sql`excluded.email`,
        emailVerified: sql`excluded.email_verified`,
        displayName: sql`excluded.display_name`,
        givenName: sql`excluded.given_name`,
        familyName: sql`excluded.family_name`,
        claimId: sql`coalesce(${users.claimId}, excluded.claim_id)`,
        updatedAt: sql`case when ${changed} then now() else ${users.updatedAt} end`,
      },
      // A deactivated or removed user is neither refreshed nor claimed.
      setWhere: sql`${users.state} not in ('inactive', 'removed')`,
    })
    .returning({ ...getTableColumns(users), inserted: sql<boolean>`("users"."xmax" = 0)` });

  if (!row) {
    // No row back means the conflict row failed setWhere: it exists and is blocked.
    const [existing] = await db
      .select({ state: users.state })
      .from(users)
      .where(eq(users.zitadelUserId, identity.zitadelUserId));
    throw new UserBlockedError(existing?.state ?? 'removed');
  }
  const { inserted, ...user } = row;
  return { user, created: claimId !== null && user.claimId === claimId, inserted };
}

/**
 * Lazy provisioning for any authenticated call: a cheap read by `sub` first, and only on a miss
 * the identity (userinfo) and the upsert.
 */
export async function findOrProvision(
  db: Database,
  zitadelUserId: string,
  loadIdentity: () => Promise<Identity>,
): Promise<ProvisionResult> {
  const [existing] = await db.select().from(users).where(eq(users.zitadelUserId, zitadelUserId));
  if (existing) {
    if (BLOCKED.includes(existing.state)) throw new UserBlockedError(existing.state);
    return { user: existing, created: false, inserted: false };
  }
  return provisionFromToken(db, await loadIdentity(), { claim: false });
}
