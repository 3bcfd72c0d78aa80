import type { Caller } from '../auth/authenticate';
import type { DatabaseHandle } from '../db/open-database';
import type { UserRow } from '../db/schema';
import type { Identity } from '../provisioning/identity';
import {
  findOrProvision,
  type ProvisionResult,
  provisionFromToken,
} from '../provisioning/provision-from-token';

const identityOf = (user: UserRow): Identity => ({
  zitadelUserId: user.zitadelUserId,
  email: user.email,
  emailVerified: user.emailVerified,
  displayName: user.displayName,
  givenName: user.givenName,
  familyName: user.familyName,
});

/**
 * GetOrCreate for a token that names its app user (`urn:liverty-music:user_id`, added by the
 * enricher when the token was issued). The enricher wrote ZITADEL's profile as of that moment, so
 * the issuer's userinfo has nothing newer to say: one indexed read, and for the person's first call
 * the claim of the row, written with the row's own profile. Undefined when the claim does not match
 * the row for the token's subject: the caller then takes the ordinary path.
 */
export async function getOrCreateFromClaim(
  database: Pick<DatabaseHandle, 'db' | 'query'>,
  caller: Caller,
): Promise<ProvisionResult | undefined> {
  if (!caller.appUserId) return undefined;
  const found = await findOrProvision(database, caller.zitadelUserId, caller.identity);
  if (found.user.id !== caller.appUserId) return undefined;
  if (found.user.claimId !== null) return { ...found, created: false };
  // Sequence 0: only the claim is written; the profile read a moment ago never overwrites a
  // change committed since.
  const claimed = await provisionFromToken(database, identityOf(found.user), {
    claim: true,
    sequence: 0,
  });
  return { ...claimed, inserted: claimed.inserted || found.inserted };
}
