import { useCallback, useEffect, useRef, useState } from 'react';
import type { UserClient } from '../api/create-user-client';
import { type AuthClient, type CompletedSignin, SigninError } from '../auth/auth-client';
import {
  DEFAULT_RETRY_DELAYS_MS,
  describeProvisioningError,
  type ProvisionedAccount,
  provisionAccount,
} from '../provisioning/provision-account';
import { AccountSummary } from './account-summary';

type State =
  | { step: 'signing-in' }
  | { step: 'provisioning'; signin: CompletedSignin }
  | { step: 'ready'; account: ProvisionedAccount }
  | { step: 'signin-failed'; error: SigninError }
  | { step: 'provisioning-failed'; signin: CompletedSignin; message: string; relogin: boolean };

export interface CallbackPageProps {
  auth: AuthClient;
  userClient: UserClient;
  /** Replaces the address once the code is redeemed, so `code`/`state` never linger. */
  cleanUrl?: () => void;
  goHome?: () => void;
  retryDelaysMs?: readonly number[];
}

export function CallbackPage({
  auth,
  userClient,
  cleanUrl = () => window.history.replaceState(null, '', '/'),
  goHome = () => window.location.assign('/'),
  retryDelaysMs = DEFAULT_RETRY_DELAYS_MS,
}: CallbackPageProps) {
  const [state, setState] = useState<State>({ step: 'signing-in' });
  const started = useRef(false);

  const provision = useCallback(
    async (signin: CompletedSignin) => {
      setState({ step: 'provisioning', signin });
      try {
        // Always provision, signup or login: a login after an interrupted signup must create too.
        const account = await provisionAccount(
          userClient,
          signin.accessToken,
          signin.isRegistration,
          retryDelaysMs,
        );
        setState({ step: 'ready', account });
      } catch (error) {
        setState({ step: 'provisioning-failed', signin, ...describeProvisioningError(error) });
      }
    },
    [userClient, retryDelaysMs],
  );

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    auth.completeSignin().then(
      (signin) => {
        cleanUrl();
        void provision(signin);
      },
      (error: unknown) => {
        cleanUrl();
        setState({
          step: 'signin-failed',
          error:
            error instanceof SigninError
              ? error
              : new SigninError('Sign-in could not be completed.', 'failed'),
        });
      },
    );
  }, [auth, cleanUrl, provision]);

  useEffect(() => {
    // Lets the end-to-end suite measure callback load → "account ready" from the page's own clock.
    if (state.step === 'ready') performance.mark('account-ready');
  }, [state.step]);

  switch (state.step) {
    case 'signing-in':
      return <Status text="Finishing sign-in…" />;
    case 'provisioning':
      return (
        <Status
          text={state.signin.isRegistration ? 'Setting up your account…' : 'Signing you in…'}
        />
      );
    case 'ready':
      return (
        <main>
          <h1>
            {state.account.created
              ? 'Your account is ready'
              : `Welcome back${state.account.user.displayName ? `, ${state.account.user.displayName}` : ''}`}
          </h1>
          <AccountSummary user={state.account.user} onLogOut={() => void auth.logOut()} />
        </main>
      );
    case 'signin-failed':
      return (
        <main>
          <h1>{state.error.reason === 'cancelled' ? 'Sign-in cancelled' : 'Sign-in failed'}</h1>
          <p role="alert">{state.error.message}</p>
          <button type="button" onClick={goHome}>
            Back to start
          </button>
        </main>
      );
    case 'provisioning-failed':
      return (
        <main>
          <h1>We could not set up your account</h1>
          <p role="alert">{state.message}</p>
          {state.relogin ? (
            <button type="button" onClick={() => void auth.logIn()}>
              Log in again
            </button>
          ) : (
            <button type="button" onClick={() => void provision(state.signin)}>
              Try again
            </button>
          )}
        </main>
      );
  }
}

function Status({ text }: { text: string }) {
  return (
    <main aria-busy="true">
      <p role="status">{text}</p>
    </main>
  );
}
