import { Code, ConnectError } from '@connectrpc/connect';
import type { Logger } from '../logger';
import type { Identity } from '../provisioning/identity';
import { unauthenticated } from './auth-error';
import type { FetchUserinfo, Userinfo } from './fetch-userinfo';
import { REVOCATION_BOUND_MS } from './revocation-bound';
import { createSampledRefusalLog, type RefusalLogOptions } from './sampled-refusal-log';
import { type HashedToken, hashToken } from './token-key';
import type { VerifiedToken, VerifyAccessToken } from './verify-access-token';

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
 * token. Nothing the client puts in a request body is trusted. Every refusal is counted, and
 * logged (rationed: sampled-refusal-log.ts) with its reason and a fingerprint of the token (never
 * the token itself), so an operator can tell a misbehaving client from an attack without a usable
 * credential in the logs.
 *
 * Revocation (docs/decisions/031): a JWT older than REVOCATION_BOUND_MS is confirmed at the
 * issuer's userinfo, whose answer is reused for that long; opaque tokens are confirmed by their
 * introspection, cached no longer. So a revoked token is refused on every path within the bound.
 */
export function createAuthenticator(deps: {
  verifyAccessToken: VerifyAccessToken;
  fetchUserinfo: FetchUserinfo;
  logger: Logger;
  /** Counts every refusal by Connect code (liverty_auth_refusals_total). */
  countRefusal?: (code: string) => void;
  refusalLog?: RefusalLogOptions;
  now?: () => number;
}): Authenticate {
  const logRefusal = createSampledRefusalLog(deps.logger, deps.refusalLog);
  const now = deps.now ?? Date.now;
  // Logs a refusal where it is thrown; a plain try/catch keeps the accepted path free of extra
  // promise links (this runs on every call).
  function refused(token: string | undefined, error: unknown): void {
    if (!(error instanceof ConnectError)) return;
    const code = Code[error.code];
    deps.countRefusal?.(code);
    const fields = {
      code,
      reason: error.rawMessage,
      tokenFingerprint: token ? fingerprint(token) : undefined,
    };
    if (error.code === Code.Unauthenticated || error.code === Code.PermissionDenied) {
      logRefusal('info', fields, 'request refused');
    } else {
      logRefusal('warn', fields, 'request could not be authenticated');
    }
  }

  async function identityOf(hashed: HashedToken, sub: string): Promise<Identity> {
    let info: Userinfo;
    try {
      info = await deps.fetchUserinfo(hashed, sub);
    } catch (error) {
      refused(hashed.token, error);
      throw error;
    }
    const givenName = info.given_name ?? '';
    const familyName = info.family_name ?? '';
    return {
      zitadelUserId: sub,
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
  }

  return async (headers) => {
    const header = headers.get('authorization');
    const match = header ? /^Bearer +([^\s]+)\s*$/i.exec(header) : null;
    const token = match?.[1];
    // Both caches know a token by its hash: one hash per call serves them both.
    let hashed: HashedToken;
    let verified: VerifiedToken;
    try {
      if (!header) throw unauthenticated('missing Authorization header with a Bearer access token');
      if (!token) throw unauthenticated('Authorization header is not "Bearer <access token>"');
      hashed = hashToken(token);
      verified = await deps.verifyAccessToken(hashed);
    } catch (error) {
      refused(token, error);
      throw error;
    }
    // A JWT issued less than the bound ago cannot have been revoked longer ago than that; an
    // older one is confirmed at userinfo (cached for the bound), which also answers identity().
    if (verified.kind === 'jwt' && !issuedWithin(verified.issuedAt, now())) {
      try {
        // Cached for the bound by the fetcher, so identity() below costs no second request.
        await deps.fetchUserinfo(hashed, verified.sub);
      } catch (error) {
        // An issuer that cannot be reached cannot report a revocation either: a JWT signed by a
        // known key keeps working through the outage (docs/decisions/014), and is confirmed
        // again as soon as the issuer answers. Anything the issuer did say (401) is a refusal.
        if (!(error instanceof ConnectError) || error.code !== Code.Unavailable) {
          refused(token, error);
          throw error;
        }
      }
    }
    let identity: Promise<Identity> | undefined;
    return {
      zitadelUserId: verified.sub,
      clientId: verified.clientId,
      appUserId: verified.appUserId,
      // Userinfo at most once per call, and only when asked for.
      identity: () => {
        identity ??= identityOf(hashed, verified.sub);
        return identity;
      },
    };
  };
}

// Clocks of issuer and API may differ a little; an `iat` further ahead than this earns no trust.
const ISSUER_CLOCK_AHEAD_MS = 5_000;

function issuedWithin(issuedAt: number | undefined, at: number): boolean {
  return (
    issuedAt !== undefined &&
    issuedAt <= at + ISSUER_CLOCK_AHEAD_MS &&
    at - issuedAt < REVOCATION_BOUND_MS
  );
}

/** Enough to correlate log lines about one token; useless as a credential. */
function fingerprint(token: string): string {
  return hashToken(token).key.slice(0, 12);
}
