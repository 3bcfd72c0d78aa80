import { createHash } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Logger } from '../logger';
import type { Identity } from '../provisioning/identity';
import { unauthenticated } from './auth-error';
import type { FetchUserinfo } from './fetch-userinfo';
import type { VerifyAccessToken } from './verify-access-token';

/** A caller whose access token has been verified. */
export interface Caller {
  /** ZITADEL's user id: the token's `sub`. */
  zitadelUserId: string;
  /** The OAuth client the token was issued to. */
  clientId: string;
  /** The app user's id, when the token carries the enricher's claim (docs/decisions/020). */
  appUserId: string | undefined;
  /** Email and profile from the issuer's userinfo for this token; fetched once, on demand. */
  identity(): Promise<Identity>;
}

export type Authenticate = (headers: Headers) => Promise<Caller>;

/**
 * Identity comes from the verified Bearer token (`sub`) and the issuer's userinfo for that same
 * token. Nothing the client puts in a request body is trusted. Every refusal is logged with its
 * reason and a fingerprint of the token (never the token itself), so an operator can tell a
 * misbehaving client from an attack without a usable credential in the logs.
 */
export function createAuthenticator(deps: {
  verifyAccessToken: VerifyAccessToken;
  fetchUserinfo: FetchUserinfo;
  logger: Logger;
}): Authenticate {
  function logged<T>(token: string | undefined, work: () => Promise<T>): Promise<T> {
    return work().catch((error: unknown) => {
      if (error instanceof ConnectError) {
        const fields = {
          code: Code[error.code],
          reason: error.rawMessage,
          tokenFingerprint: token ? fingerprint(token) : undefined,
        };
        if (error.code === Code.Unauthenticated || error.code === Code.PermissionDenied) {
          deps.logger.info(fields, 'request refused');
        } else {
          deps.logger.warn(fields, 'request could not be authenticated');
        }
      }
      throw error;
    });
  }

  return async (headers) => {
    const header = headers.get('authorization');
    const match = header ? /^Bearer +([^\s]+)\s*$/i.exec(header) : null;
    const token = match?.[1];
    return logged(token, async () => {
      if (!header) throw unauthenticated('missing Authorization header with a Bearer access token');
      if (!token) throw unauthenticated('Authorization header is not "Bearer <access token>"');
      const verified = await deps.verifyAccessToken(token);
      let identity: Promise<Identity> | undefined;
      return {
        zitadelUserId: verified.sub,
        clientId: verified.clientId,
        appUserId: verified.appUserId,
        identity: () => {
          identity ??= logged(token, () => deps.fetchUserinfo(token, verified.sub)).then((info) => {
            const givenName = info.given_name ?? '';
            const familyName = info.family_name ?? '';
            return {
              zitadelUserId: verified.sub,
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
    });
  };
}

/** Enough to correlate log lines about one token; useless as a credential. */
function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('base64url').slice(0, 12);
}
