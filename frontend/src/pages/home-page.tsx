import { lazy, Suspense, useEffect, useState } from 'react';
import type { UserClient } from '../api/create-user-client';
import type { AuthClient, Session } from '../auth/auth-client';

const SignedInAccount = lazy(() => import('./signed-in-account'));

type State = { step: 'loading' } | { step: 'signed-out' } | { step: 'signed-in'; session: Session };

export function HomePage({ auth, userClient }: { auth: AuthClient; userClient: UserClient }) {
  const [state, setState] = useState<State>({ step: 'loading' });

  useEffect(() => {
    let cancelled = false;
    auth.currentSession().then(
      (session) =>
        !cancelled && setState(session ? { step: 'signed-in', session } : { step: 'signed-out' }),
      () => !cancelled && setState({ step: 'signed-out' }),
    );
    return () => {
      cancelled = true;
    };
  }, [auth]);

  const loading = <p role="status">Loading…</p>;
  return (
    <main>
      <h1>liverty-music</h1>
      {state.step === 'loading' && loading}
      {state.step === 'signed-out' && (
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
      )}
      {state.step === 'signed-in' && (
        <Suspense fallback={loading}>
          <SignedInAccount auth={auth} userClient={userClient} session={state.session} />
        </Suspense>
      )}
    </main>
  );
}
