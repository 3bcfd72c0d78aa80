import type { UserClient } from '../api/create-user-client';
import type { CompletedSignin } from '../auth/auth-client';
import {
  DEFAULT_RETRY_DELAYS_MS,
  type ProvisionedAccount,
  provisionAccount,
} from '../provisioning/provision-account';

/** The callback's work, under way: redeeming the code, then GetOrCreate. */
export interface CallbackStart {
  signin: Promise<CompletedSignin>;
  /** GetOrCreate for that sign-in, retried while the server says "not now". */
  account: Promise<ProvisionedAccount>;
}

/**
 * Calls GetOrCreate the moment the token arrives, without waiting for anything to render.
 * Always provisions, signup or login: a login after an interrupted signup must create the
 * account too.
 */
export function beginCallback(
  signin: Promise<CompletedSignin>,
  userClient: UserClient,
  retryDelaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
): CallbackStart {
  const account = signin.then((completed) =>
    provisionAccount(userClient, completed.accessToken, completed.isRegistration, retryDelaysMs),
  );
  // The page shows every failure; until it subscribes, a failure is not "unhandled".
  account.catch(() => {});
  return { signin, account };
}
