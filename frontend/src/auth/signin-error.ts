// Its own module: oidc-auth-client.ts imports it, and whatever that imports travels with the
// sign-in chunk, which the landing page must not load up front (vite.config.ts).
/** Why a sign-in could not be completed, in words a user can act on. */
export class SigninError extends Error {
  override name = 'SigninError';
  constructor(
    message: string,
    readonly reason: 'cancelled' | 'invalid' | 'failed',
  ) {
    super(message);
  }
}
