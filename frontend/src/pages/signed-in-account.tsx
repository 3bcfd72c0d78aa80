import type { User } from '@liverty-music/gen/user/v1';
import { useEffect, useState } from 'react';
import type { UserClient } from '../api/create-user-client';
import type { AuthClient, Session } from '../auth/auth-client';
import {
  describeProvisioningError,
  loadAccount,
  type ProvisioningFailure,
} from '../provisioning/provision-account';
import { AccountSummary } from './account-summary';
import { ProvisioningFailed } from './callback-outcomes';
import { PageHeading } from './page-heading';

type State =
  | { step: 'loading' }
  | { step: 'ready'; user: User }
  | { step: 'error'; failure: ProvisioningFailure };

/** The account page: the home page for a signed-in visitor, loaded on demand with the API client. */
export default function SignedInAccount({
  auth,
  userClient,
  session,
  accountUrl,
}: {
  auth: AuthClient;
  userClient: UserClient;
  session: Session;
  accountUrl: string;
}) {
  const [state, setState] = useState<State>({ step: 'loading' });
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` re-runs the load on "Retry".
  useEffect(() => {
    let cancelled = false;
    setState({ step: 'loading' });
    // GetMe provisions lazily if the row is somehow missing.
    loadAccount(userClient, session.accessToken).then(
      (user) => !cancelled && setState({ step: 'ready', user }),
      (error: unknown) =>
        !cancelled && setState({ step: 'error', failure: describeProvisioningError(error) }),
    );
    return () => {
      cancelled = true;
    };
  }, [userClient, session, attempt]);

  if (state.step === 'loading') {
    return (
      <main aria-busy="true">
        <h1>liverty-music</h1>
        <p role="status">Loading your account…</p>
      </main>
    );
  }
  if (state.step === 'error') {
    return (
      <ProvisioningFailed
        failure={state.failure}
        isRegistration={false}
        actions={{
          onRetry: () => setAttempt((n) => n + 1),
          onSignOut: () => void auth.logOut(),
          onLogIn: () => void auth.logIn(),
        }}
      />
    );
  }
  return (
    <main>
      <PageHeading>Your account</PageHeading>
      <AccountSummary
        user={state.user}
        accountUrl={accountUrl}
        onLogOut={() => void auth.logOut()}
      />
    </main>
  );
}
