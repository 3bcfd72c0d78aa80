import { lazy, Suspense, useEffect, useState } from 'react';
import type { UserClient } from '../api/create-user-client';
import type { AuthClient, Session } from '../auth/auth-client';
import { PageHeading } from './page-heading';

const SignedInAccount = lazy(() => import('./signed-in-account'));

/** Why this tab shows the signed-out page, when it is worth saying. */
type SignedOutNotice = 'signed-out' | 'signed-out-elsewhere' | null;

type State =
  | { step: 'loading' }
  | { step: 'signed-out'; notice: SignedOutNotice }
  | { step: 'signed-in'; session: Session };

export interface HomePageProps {
  auth: AuthClient;
  userClient: UserClient;
  /** The identity provider's self-service page (AppConfig.accountUrl). */
  accountUrl: string;
  /** The provider just sent the person back from signing out (returnedFromSignOut). */
  justSignedOut?: boolean;
  /** Subscribes to sign-ins and sign-outs in other tabs (onSessionChange); returns the unsubscribe. */
  watchSession?: (listener: (signedIn: boolean) => void) => () => void;
}

export function HomePage({
  auth,
  userClient,
  accountUrl,
  justSignedOut = false,
  watchSession,
}: HomePageProps) {
  const [state, setState] = useState<State>({ step: 'loading' });

  useEffect(() => {
    let cancelled = false;
    const load = (notice: SignedOutNotice) =>
      auth.currentSession().then(
        (session) =>
          !cancelled &&
          setState(session ? { step: 'signed-in', session } : { step: 'signed-out', notice }),
        () => !cancelled && setState({ step: 'signed-out', notice }),
      );
    void load(justSignedOut ? 'signed-out' : null);
    // Signing out in one tab signs out every tab; signing in in one shows the account in all.
    const unwatch = watchSession?.((signedIn) => {
      if (signedIn) void load(null);
      else setState({ step: 'signed-out', notice: 'signed-out-elsewhere' });
    });
    return () => {
      cancelled = true;
      unwatch?.();
    };
  }, [auth, justSignedOut, watchSession]);

  const loading = (
    <main aria-busy="true">
      <h1>liverty-music</h1>
      <p role="status">Loading…</p>
    </main>
  );
  if (state.step === 'loading') return loading;
  if (state.step === 'signed-in') {
    return (
      <Suspense fallback={loading}>
        <SignedInAccount
          auth={auth}
          userClient={userClient}
          session={state.session}
          accountUrl={accountUrl}
        />
      </Suspense>
    );
  }
  return (
    <main>
      {state.notice ? (
        <>
          <PageHeading>You are signed out</PageHeading>
          <p>
            {state.notice === 'signed-out'
              ? 'You signed out of liverty-music and of your identity provider on this browser.'
              : 'You signed out in another tab, so this tab is signed out too.'}
          </p>
        </>
      ) : (
        <h1>liverty-music</h1>
      )}
      <section aria-label="Get started" className="card">
        <p>Follow the artists you love and never miss a show.</p>
        <div className="actions">
          <button type="button" onClick={() => void auth.signUp()}>
            Sign up
          </button>
          <button type="button" className="secondary" onClick={() => void auth.logIn()}>
            Log in
          </button>
        </div>
      </section>
    </main>
  );
}
