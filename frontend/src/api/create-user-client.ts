import { type Client, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { UserService } from '@liverty-music/gen/user/v1';

export type UserClient = Client<typeof UserService>;

export function createUserClient(apiBaseUrl: string): UserClient {
  return createClient(UserService, createConnectTransport({ baseUrl: apiBaseUrl }));
}
