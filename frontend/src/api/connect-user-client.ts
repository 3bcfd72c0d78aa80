import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { UserService } from '@liverty-music/gen/user/v1';
import type { UserClient } from './create-user-client';

/** The UserService client itself. The callback imports it directly: it calls the API at once. */
export function createConnectUserClient(apiBaseUrl: string): UserClient {
  return createClient(UserService, createConnectTransport({ baseUrl: apiBaseUrl }));
}
