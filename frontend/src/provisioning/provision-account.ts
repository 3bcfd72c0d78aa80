import { Code, ConnectError } from '@connectrpc/connect';
import type { User } from '@liverty-music/gen/user/v1';
import type { UserClient } from '../api/create-user-client';

export interface ProvisionedAccount {
  user: User;
  created: boolean;
}

/** Delays before each automatic retry; the user sees an error only after these ran out. */
export const DEFAULT_RETRY_DELAYS_MS = [400, 1200, 3000];

/** Worth retrying without the user's help: the server or the network said "not now". */
export function isTransient(error: unknown): boolean {
  const connectError = ConnectError.from(error);
  // A refused connection surfaces as `unknown` wrapping fetch's TypeError.
  return (
    connectError.code === Code.Unavailable ||
    connectError.code === Code.DeadlineExceeded ||
    (connectError.code === Code.Unknown && connectError.cause instanceof TypeError)
  );
}

async function withRetries<T>(
  call: () => Promise<T>,
  retryDelaysMs: readonly number[],
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = retryDelaysMs[attempt];
      if (delay === undefined || !isTransient(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

const callOptions = (accessToken: string) => ({
  headers: { authorization: `Bearer ${accessToken}` },
  timeoutMs: 15_000,
});

/** GetOrCreate, retried while the server says "not now". */
export async function provisionAccount(
  client: UserClient,
  accessToken: string,
  isRegistration: boolean,
  retryDelaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
): Promise<ProvisionedAccount> {
  return withRetries(async () => {
    const response = await client.getOrCreate({ isRegistration }, callOptions(accessToken));
    if (!response.user) throw new ConnectError('the server sent no user', Code.Internal);
    return { user: response.user, created: response.created };
  }, retryDelaysMs);
}

/** GetMe: the signed-in user's account (the server provisions it lazily if missing). */
export async function loadAccount(
  client: UserClient,
  accessToken: string,
  retryDelaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
): Promise<User> {
  return withRetries(async () => {
    const response = await client.getMe({}, callOptions(accessToken));
    if (!response.user) throw new ConnectError('the server sent no user', Code.Internal);
    return response.user;
  }, retryDelaysMs);
}

/** A message for a failed provisioning call, and whether signing in again is the fix. */
export function describeProvisioningError(error: unknown): { message: string; relogin: boolean } {
  const connectError = ConnectError.from(error);
  if (connectError.code === Code.PermissionDenied) {
    return {
      message: `This account cannot be used: ${connectError.rawMessage}.`,
      relogin: false,
    };
  }
  if (connectError.code === Code.Unauthenticated) {
    return {
      message: `Your sign-in was not accepted (${connectError.rawMessage}). Please log in again.`,
      relogin: true,
    };
  }
  if (isTransient(error)) {
    return {
      message: 'We could not reach liverty-music to set up your account. Please try again.',
      relogin: false,
    };
  }
  return {
    message: `Setting up your account failed: ${connectError.rawMessage}`,
    relogin: false,
  };
}
