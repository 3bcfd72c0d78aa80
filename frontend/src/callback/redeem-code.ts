import type { AuthClient, CompletedSignin } from '../auth/auth-client';

/**
 * Redeems the authorization code on /callback. Once that has settled either way, the address
 * loses `code` and `state`: they are single-use and must not linger in history or bookmarks.
 * A task later, not at once: GetOrCreate is sent from the promise jobs that follow the token's
 * answer, and rewriting the address costs the main thread a few ms that it would otherwise wait.
 */
export function redeemCode(auth: AuthClient, cleanUrl: () => void): Promise<CompletedSignin> {
  const signin = auth.completeSignin();
  const cleanSoon = () => setTimeout(cleanUrl);
  void signin.then(cleanSoon, cleanSoon);
  return signin;
}
