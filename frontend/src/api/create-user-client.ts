import type { Client } from '@connectrpc/connect';
import type { UserService } from '@liverty-music/gen/user/v1';

export type UserClient = Client<typeof UserService>;

/**
 * A UserService client whose Connect and protobuf code loads on the first call: only signed-in
 * pages make calls, so the landing page's bundle does not carry them.
 */
export function createUserClient(apiBaseUrl: string): UserClient {
  let client: Promise<UserClient> | undefined;
  const load = () => {
    client ??= import('./connect-user-client').then((module) =>
      module.createConnectUserClient(apiBaseUrl),
    );
    return client;
  };
  return {
    getOrCreate: async (request, options) => (await load()).getOrCreate(request, options),
    getMe: async (request, options) => (await load()).getMe(request, options),
  };
}
