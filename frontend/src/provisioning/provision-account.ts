import { Code, ConnectError } from '@connectrpc/connect';
import type { User } from '@liverty-music/gen/user/v1';
import type { UserClient } from '../api/create-user-client';

export interface ProvisionedAccount {
  user: User;
  created: boolean;
}

/**
 * Delays before each automatic retry while the server answers "not now" (UNAVAILABLE): a server
 * that answers is likely back within seconds. The user sees an error only after these ran out.
 */
export const DEFAULT_RETRY_DELAYS_MS = [400, 1200, 3000];
/**
 * While nothing answers at all (connection refused, no network), one quick retry covers a blip;
 * waiting longer only keeps the person from the message and its buttons (issue 24).
 */
export const RETRIES_WHEN_UNREACHABLE = 1;

/** fetch itself failed: no HTTP answer came back. Connect reports it as `unknown` over a TypeError. */
export function isUnreachable(error: unknown): boolean {
  const connectError = ConnectError.from(error);
  return connectError.code === Code.Unknown && connectError.cause instanceof TypeError;
}

/** Worth retrying without the user's help: the server or the network said "not now". */
export function isTransient(error: unknown): boolean {
  const connectError = ConnectError.from(error);
  return (
    connectError.code === Code.Unavailable ||
    connectError.code === Code.DeadlineExceeded ||
    isUnreachable(error)
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
      const delays = isUnreachable(error)
        ? retryDelaysMs.slice(0, RETRIES_WHEN_UNREACHABLE)
        : retryDelaysMs;
      const delay = delays[attempt];
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

/** Why a call to liverty-music failed, in the terms the pages explain it. */
export type ProvisioningFailure =
  /** Nothing answered, or the server said "not now": the account itself is untouched. */
  | { kind: 'unreachable' }
  /** The token was refused: signing in again is the fix. */
  | { kind: 'relogin'; message: string }
  /** The account may not be used (deactivated, refused by policy). */
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; message: string };

export function describeProvisioningError(error: unknown): ProvisioningFailure {
  const connectError = ConnectError.from(error);
  if (isTransient(error)) return { kind: 'unreachable' };
  if (connectError.code === Code.PermissionDenied) {
    return { kind: 'refused', message: `This account cannot be used: ${connectError.rawMessage}.` };
  }
  if (connectError.code === Code.Unauthenticated) {
    return {
      kind: 'relogin',
      message: `Your sign-in was not accepted (${connectError.rawMessage}). Please log in again.`,
    };
  }
  return {
    kind: 'failed',
    message: `liverty-music answered with an error: ${connectError.rawMessage}`,
  };
}
