import type { Dispatcher } from 'undici';

export const GET_OR_CREATE_PATH = '/liverty_music.user.v1.UserService/GetOrCreate';
const BODY = '{"isRegistration":false}';

/** One GetOrCreate call over Connect's JSON protocol, as the SPA makes it after login. */
export function getOrCreateRequest(token: string): Dispatcher.RequestOptions {
  return {
    path: GET_OR_CREATE_PATH,
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'connect-protocol-version': '1',
    },
    body: BODY,
  };
}
