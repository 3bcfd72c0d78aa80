import { ErrorResponse, type User, type UserManager } from 'oidc-client-ts';
import type { AppConfig } from '../config/load-config';
import type { AuthClient, CompletedSignin, Session } from './auth-client';
import { createUserManager } from './create-user-manager';
import { renewSession } from './renew-session';
import { SigninError } from './signin-error';

interface SigninState {
  isRegistration?: boolean;
}

function toSession(user: User): Session {
  const profile = user.profile;
  return {
    accessToken: user.access_token,
    name: profile.name ?? profile.preferred_username ?? profile.email ?? '',
  };
}

export function createOidcAuthClient(config: AppConfig): AuthClient {
  return createAuthClient(createUserManager(config));
}

export function createAuthClient(userManager: UserManager): AuthClient {
  // React may mount the callback page twice (StrictMode); the code can be redeemed only once.
  let completing: Promise<CompletedSignin> | undefined;

  return {
    async signUp() {
      await userManager.signinRedirect({
        prompt: 'create',
        state: { isRegistration: true } satisfies SigninState,
      });
    },
    async logIn() {
      await userManager.signinRedirect();
    },
    async logOut() {
      // Any state makes oidc-client-ts store it and send it along; the provider echoes it back to
      // `/`, which then knows it may say "You are signed out" (returnedFromSignOut).
      await userManager.signoutRedirect({ state: { signedOut: true } });
    },
    async currentSession() {
      let user = await userManager.getUser();
      if (user?.expired) user = await renewSession(userManager);
      if (!user || user.expired) {
        // Refused by the provider: nothing stored can sign this person in any more.
        await userManager.removeUser();
        return null;
      }
      return toSession(user);
    },
    completeSignin() {
      completing ??= userManager.signinRedirectCallback().then(
        (user) => ({
          ...toSession(user),
          isRegistration: (user.state as SigninState | undefined)?.isRegistration === true,
        }),
        (error: unknown) => {
          throw explainSigninError(error);
        },
      );
      return completing;
    },
  };
}

export function explainSigninError(error: unknown): SigninError {
  if (error instanceof ErrorResponse) {
    // access_denied: the person left the provider's pages; login_required: `prompt=none`
    // found no session there. Either way nothing happened, and nothing is wrong.
    if (error.error === 'access_denied' || error.error === 'login_required') {
      return new SigninError('You did not finish signing in, so nothing changed.', 'cancelled');
    }
    return new SigninError(
      `The identity provider refused the sign-in (${error.error_description ?? error.error}).`,
      'failed',
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  // oidc-client-ts: "No matching state found in storage", "No state in response", …
  if (/state/i.test(message)) {
    return new SigninError(
      'This sign-in link is invalid or has expired. Please start again.',
      'invalid',
    );
  }
  return new SigninError(`Sign-in could not be completed: ${message}`, 'failed');
}
