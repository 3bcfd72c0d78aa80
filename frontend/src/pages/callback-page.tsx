import { useCallback, useEffect, useRef, useState } from 'react';
import type { UserClient } from '../api/create-user-client';
import type { AuthClient, CompletedSignin } from '../auth/auth-client';
import { SigninError } from '../auth/signin-error';
import { beginCallback, type CallbackStart } from '../callback/begin-callback';
import { redeemCode } from '../callback/redeem-code';
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
  /** The exchange and GetOrCreate, already begun before React mounted; else the page begins them. */
  started?: CallbackStart | undefined;
  /** Replaces the address once the code is redeemed, so `code`/`state` never linger. */
  cleanUrl?: () => void;
  goHome?: () => void;
  retryDelaysMs?: readonly number[];
}

export function CallbackPage({
  auth,
  userClient,
  started: begun,
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
    // React may run this effect twice (StrictMode); the work is begun once.
    if (started.current) return;
    started.current = true;
    const { signin, account } =
      begun ?? beginCallback(redeemCode(auth, cleanUrl), userClient, retryDelaysMs);
    signin.then(
      (completed) => {
        setState({ step: 'provisioning', signin: completed });
        account.then(
          (provisioned) => setState({ step: 'ready', account: provisioned }),
          (error: unknown) =>
            setState({
              step: 'provisioning-failed',
              signin: completed,
              ...describeProvisioningError(error),
            }),
        );
      },
      (error: unknown) => {
        setState({
          step: 'signin-failed',
          error:
            error instanceof SigninError
              ? error
              : new SigninError('Sign-in could not be completed.', 'failed'),
        });
      },
    );
  }, [begun, auth, userClient, cleanUrl, retryDelaysMs]);

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
