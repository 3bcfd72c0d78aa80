import type { SigninError } from '../auth/signin-error';
import type { ProvisioningFailure } from '../provisioning/provision-account';
import { PageHeading } from './page-heading';

/** The person left the provider's pages (or it had no session for them): nothing is wrong. */
export function SigninCancelled({
  onSignUp,
  onLogIn,
}: {
  onSignUp: () => void;
  onLogIn: () => void;
}) {
  return (
    <main>
      <PageHeading>You are not signed in</PageHeading>
      <section aria-label="Start again" className="card">
        <p>You left before signing in finished, so nothing changed: no account was created.</p>
        <div className="actions">
          <button type="button" onClick={onSignUp}>
            Sign up
          </button>
          <button type="button" className="secondary" onClick={onLogIn}>
            Log in
          </button>
        </div>
      </section>
    </main>
  );
}

export function SigninFailed({ error, goHome }: { error: SigninError; goHome: () => void }) {
  return (
    <main>
      <PageHeading>Sign-in failed</PageHeading>
      <p role="alert">{error.message}</p>
      <button type="button" onClick={goHome}>
        Back to start
      </button>
    </main>
  );
}

export interface FailureActions {
  onRetry: () => void;
  /** Absent where the person already is at the start. */
  goHome?: (() => void) | undefined;
  onSignOut: () => void;
  onLogIn: () => void;
}

/** What is true when liverty-music did not answer, for a signup and for a returning person. */
function unreachableText(isRegistration: boolean): string {
  return isRegistration
    ? 'Your sign-up with the identity provider worked, but we could not reach liverty-music to finish setting up your account here. Nothing is lost: we finish it as soon as liverty-music answers, when you press Retry or the next time you log in.'
    : 'You are signed in, but we could not reach liverty-music. Your account is safe: nothing was changed or lost. Please retry in a moment.';
}

/** GetOrCreate or GetMe failed after its automatic retries: say what is true, offer a way on. */
export function ProvisioningFailed({
  failure,
  isRegistration,
  actions,
}: {
  failure: ProvisioningFailure;
  isRegistration: boolean;
  actions: FailureActions;
}) {
  const heading =
    failure.kind === 'unreachable' ? (
      <>
        We could not reach <span className="nowrap">liverty-music</span>
      </>
    ) : failure.kind === 'refused' ? (
      'This account cannot be used'
    ) : failure.kind === 'relogin' ? (
      'Please log in again'
    ) : (
      'Something went wrong at liverty-music'
    );
  return (
    <main>
      <PageHeading>{heading}</PageHeading>
      <p role="alert">
        {failure.kind === 'unreachable' ? unreachableText(isRegistration) : failure.message}
      </p>
      <div className="actions">
        {failure.kind === 'relogin' ? (
          <button type="button" onClick={actions.onLogIn}>
            Log in again
          </button>
        ) : (
          failure.kind !== 'refused' && (
            <button type="button" onClick={actions.onRetry}>
              Retry
            </button>
          )
        )}
        {actions.goHome && (
          <button type="button" className="secondary" onClick={actions.goHome}>
            Back to start
          </button>
        )}
        <button type="button" className="secondary" onClick={actions.onSignOut}>
          Sign out
        </button>
      </div>
    </main>
  );
}
