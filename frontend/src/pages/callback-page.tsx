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
  type ProvisioningFailure,
  provisionAccount,
} from '../provisioning/provision-account';
import { AccountSummary } from './account-summary';
import { ProvisioningFailed, SigninCancelled, SigninFailed } from './callback-outcomes';
import { PageHeading } from './page-heading';

type State =
  | { step: 'signing-in' }
  | { step: 'provisioning'; signin: CompletedSignin }
  | { step: 'ready'; account: ProvisionedAccount }
  | { step: 'signin-failed'; error: SigninError }
  | { step: 'provisioning-failed'; signin: CompletedSignin; failure: ProvisioningFailure };

export interface CallbackPageProps {
  auth: AuthClient;
  userClient: UserClient;
  /** The identity provider's self-service page (AppConfig.accountUrl). */
  accountUrl: string;
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
  accountUrl,
  started: begun,
  cleanUrl = () => window.history.replaceState(null, '', '/'),
  goHome = () => window.location.assign('/'),
  retryDelaysMs = DEFAULT_RETRY_DELAYS_MS,
}: CallbackPageProps) {
  const [state, setState] = useState<State>({ step: 'signing-in' });
  const started = useRef(false);

  const settle = useCallback((signin: CompletedSignin, account: Promise<ProvisionedAccount>) => {
    setState({ step: 'provisioning', signin });
    account.then(
      (provisioned) => setState({ step: 'ready', account: provisioned }),
      (error: unknown) =>
        setState({
          step: 'provisioning-failed',
          signin,
          failure: describeProvisioningError(error),
        }),
    );
  }, []);

  useEffect(() => {
    // React may run this effect twice (StrictMode); the work is begun once.
    if (started.current) return;
    started.current = true;
    const { signin, account } =
      begun ?? beginCallback(redeemCode(auth, cleanUrl), userClient, retryDelaysMs);
    signin.then(
      (completed) => settle(completed, account),
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
  }, [begun, auth, userClient, cleanUrl, retryDelaysMs, settle]);

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
    case 'ready': {
      const { user, created } = state.account;
      return (
        <main>
          <PageHeading>
            {created
              ? 'Your account is ready'
              : `Welcome back${user.displayName ? `, ${user.displayName}` : ''}`}
          </PageHeading>
          <AccountSummary user={user} accountUrl={accountUrl} onLogOut={() => void auth.logOut()} />
        </main>
      );
    }
    case 'signin-failed':
      return state.error.reason === 'cancelled' ? (
        <SigninCancelled onSignUp={() => void auth.signUp()} onLogIn={() => void auth.logIn()} />
      ) : (
        <SigninFailed error={state.error} goHome={goHome} />
      );
    case 'provisioning-failed': {
      const { signin } = state;
      return (
        <ProvisioningFailed
          failure={state.failure}
          isRegistration={signin.isRegistration}
          actions={{
            onRetry: () =>
              settle(
                signin,
                provisionAccount(
                  userClient,
                  signin.accessToken,
                  signin.isRegistration,
                  retryDelaysMs,
                ),
              ),
            goHome,
            onSignOut: () => void auth.logOut(),
            onLogIn: () => void auth.logIn(),
          }}
        />
      );
    }
  }
}

function Status({ text }: { text: string }) {
  return (
    <main aria-busy="true">
      <h1>liverty-music</h1>
      <p role="status">{text}</p>
    </main>
  );
}
