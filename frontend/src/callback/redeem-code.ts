import type { AuthClient, CompletedSignin } from '../auth/auth-client';

/**
 * Redeems the authorization code on /callback. Once that has settled either way, the address
 * loses `code` and `state`: they are single-use and must not linger in history or bookmarks.
 */
export function redeemCode(auth: AuthClient, cleanUrl: () => void): Promise<CompletedSignin> {
  const signin = auth.completeSignin();
  void signin.then(cleanUrl, cleanUrl);
  return signin;
}
