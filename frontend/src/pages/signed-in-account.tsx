import type { User } from '@liverty-music/gen/user/v1';
import { useEffect, useState } from 'react';
import type { UserClient } from '../api/create-user-client';
import type { AuthClient, Session } from '../auth/auth-client';
import { describeProvisioningError, loadAccount } from '../provisioning/provision-account';
import { AccountSummary } from './account-summary';

type State =
  | { step: 'loading' }
  | { step: 'ready'; user: User }
  | { step: 'error'; message: string };

/** The home page for a signed-in visitor; loaded on demand with the API client. */
export default function SignedInAccount({
  auth,
  userClient,
  session,
}: {
  auth: AuthClient;
  userClient: UserClient;
  session: Session;
}) {
  const [state, setState] = useState<State>({ step: 'loading' });
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` re-runs the load on "Try again".
  useEffect(() => {
    let cancelled = false;
    setState({ step: 'loading' });
    // GetMe provisions lazily if the row is somehow missing.
    loadAccount(userClient, session.accessToken).then(
      (user) => !cancelled && setState({ step: 'ready', user }),
      (error: unknown) =>
        !cancelled &&
        setState({ step: 'error', message: describeProvisioningError(error).message }),
    );
    return () => {
      cancelled = true;
    };
  }, [userClient, session, attempt]);

  if (state.step === 'loading') return <p role="status">Loading your account…</p>;
  if (state.step === 'ready') {
    return <AccountSummary user={state.user} onLogOut={() => void auth.logOut()} />;
  }
  return (
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
  );
}
