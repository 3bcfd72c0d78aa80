import type { User } from '@liverty-music/gen/user/v1';
import { useEffect, useState } from 'react';
import type { UserClient } from '../api/create-user-client';
import type { AuthClient } from '../auth/auth-client';
import { describeProvisioningError, loadAccount } from '../provisioning/provision-account';
import { AccountSummary } from './account-summary';

type State =
  | { step: 'loading' }
  | { step: 'signed-out' }
  | { step: 'signed-in'; user: User }
  | { step: 'error'; message: string };

export function HomePage({ auth, userClient }: { auth: AuthClient; userClient: UserClient }) {
  const [state, setState] = useState<State>({ step: 'loading' });
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` re-runs the load on "Try again".
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const session = await auth.currentSession();
      if (!session) {
        if (!cancelled) setState({ step: 'signed-out' });
        return;
      }
      try {
        // GetMe provisions lazily if the row is somehow missing.
        const user = await loadAccount(userClient, session.accessToken);
        if (!cancelled) setState({ step: 'signed-in', user });
      } catch (error) {
        if (!cancelled) {
          setState({
            step: 'error',
            message: describeProvisioningError(error).message,
          });
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [auth, userClient, attempt]);

  return (
    <main>
      <h1>liverty-music</h1>
      {state.step === 'loading' && <p role="status">Loading…</p>}
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
        <AccountSummary user={state.user} onLogOut={() => void auth.logOut()} />
      )}
      {state.step === 'error' && (
        <section className="card">
          <p role="alert">{state.message}</p>
          <div className="actions">
            <button type="button" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
            <button type="button" className="secondary" onClick={() => void auth.logOut()}>
              Log out
            </button>
          </div>
        </section>
      )}
    </main>
  );
}
