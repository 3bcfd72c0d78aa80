import { createConnectUserClient } from '../api/connect-user-client';
import type { CompletedSignin } from '../auth/auth-client';
import { beginCallback } from './begin-callback';

/**
 * The API half of the callback, loaded once the token request has left: Connect and protobuf take
 * twice as long to evaluate as oidc-client-ts, so they run while the token travels.
 */
export function startProvisioning(signin: Promise<CompletedSignin>, apiBaseUrl: string) {
  const userClient = createConnectUserClient(apiBaseUrl);
  return { userClient, started: beginCallback(signin, userClient) };
}
