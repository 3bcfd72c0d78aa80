import { ErrorResponse, type User, type UserManager } from 'oidc-client-ts';

/** One name for every tab of this origin: only one of them redeems the refresh token at a time. */
const RENEWAL_LOCK = 'liverty-music:token-renewal';

/**
 * Trades the stored refresh token for fresh tokens. ZITADEL rotates refresh tokens, so a token
 * redeemed twice (two tabs opening at once) would fail the second time: tabs take turns through a
 * Web Lock, and the one that waited reads what the first stored instead of redeeming again.
 * Resolves null when the provider refused (signed out there, token expired or revoked).
 */
export async function renewSession(userManager: UserManager): Promise<User | null> {
  const renew = async () => {
    const stored = await userManager.getUser();
    if (!stored) return null;
    if (!stored.expired) return stored;
    if (!stored.refresh_token) return null;
    try {
      return await userManager.signinSilent();
    } catch (error) {
      // invalid_grant and friends: the session is over. A network failure is not an answer.
      if (error instanceof ErrorResponse) return null;
      throw error;
    }
  };
  const locks = globalThis.navigator?.locks;
  return locks ? locks.request(RENEWAL_LOCK, renew) : renew();
}
