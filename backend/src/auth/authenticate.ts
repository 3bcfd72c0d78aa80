import { APP_USER_ID_CLAIM } from '../actions/enrich-identity';
import type { Identity } from '../provisioning/identity';
import { unauthenticated } from './auth-error';
import type { FetchUserinfo } from './fetch-userinfo';
import type { VerifyAccessToken } from './verify-access-token';

/** A caller whose access token has been verified. */
export interface Caller {
  /** ZITADEL's user id: the token's `sub`. */
  zitadelUserId: string;
  /** The app user's id, when the token carries the enricher's claim (docs/decisions/020). */
  appUserId: string | undefined;
  /** Email and profile from the issuer's userinfo for this token; fetched once, on demand. */
  identity(): Promise<Identity>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type Authenticate = (headers: Headers) => Promise<Caller>;

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
    let identity: Promise<Identity> | undefined;
    const appUserId = claims[APP_USER_ID_CLAIM];
    return {
      zitadelUserId: claims.sub,
      appUserId: typeof appUserId === 'string' && UUID.test(appUserId) ? appUserId : undefined,
      identity: () => {
        identity ??= deps.fetchUserinfo(token, claims.sub).then((info) => {
          const givenName = info.given_name ?? '';
          const familyName = info.family_name ?? '';
          return {
            zitadelUserId: claims.sub,
            email: info.email ?? null,
            emailVerified: info.email_verified ?? false,
            displayName:
              info.name ||
              `${givenName} ${familyName}`.trim() ||
              info.preferred_username ||
              info.email ||
              '',
            givenName,
            familyName,
          };
        });
        return identity;
      },
    };
  };
}
