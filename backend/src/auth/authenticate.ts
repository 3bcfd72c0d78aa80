import type { Identity } from '../user/provision-user';
import { unauthenticated } from './auth-error';
import type { FetchUserinfo } from './fetch-userinfo';
import type { VerifyAccessToken } from './verify-access-token';

export type Authenticate = (headers: Headers) => Promise<Identity>;

/**
 * Identity comes from the verified Bearer token (`sub`) and the issuer's userinfo for that same
 * token. Nothing the client puts in a request body is trusted.
 */
export function createAuthenticator(deps: {
  verifyAccessToken: VerifyAccessToken;
  fetchUserinfo: FetchUserinfo;
}): Authenticate {
  return async (headers) => {
    const header = headers.get('authorization');
    if (!header) throw unauthenticated('missing Authorization header with a Bearer access token');
    const match = /^Bearer +([^\s]+)\s*$/i.exec(header);
    const token = match?.[1];
    if (!token) throw unauthenticated('Authorization header is not "Bearer <access token>"');

    const claims = await deps.verifyAccessToken(token);
    const info = await deps.fetchUserinfo(token, claims.sub);
    const givenName = info.given_name ?? '';
    const familyName = info.family_name ?? '';
    const displayName =
      info.name ||
      `${givenName} ${familyName}`.trim() ||
      info.preferred_username ||
      info.email ||
      '';
    return {
      zitadelUserId: claims.sub,
      email: info.email ?? null,
      emailVerified: info.email_verified ?? false,
      displayName,
      givenName,
      familyName,
    };
  };
}
