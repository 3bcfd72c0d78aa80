import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, type JWTPayload, jwtVerify } from 'jose';
import type { IssuedAccessTokenRecord, OidcStateStore } from './oidc-state-store';
import type { PublicSigningJwk } from './signing-keys';
import type { UserAccounts } from './user-accounts';
import type { User } from './user-store';

export type AccessTokenCheck =
  | { ok: true; claims: JWTPayload; record: IssuedAccessTokenRecord; user: User }
  | { ok: false; description: string };

export interface AccessTokenVerifierOptions {
  issuer: string;
  /** ZITADEL's access token audience: the client id and the project id. */
  audiences: string[];
  publicJwks: () => { keys: PublicSigningJwk[] };
  state: OidcStateStore;
  users: UserAccounts;
}

/**
 * Verifies this IdP's JWT access tokens the way ZITADEL's userinfo and introspection do: signature,
 * issuer, audience and expiry, then that the token is still known (not revoked, not logged out) and
 * its user still active. oidc-provider's own userinfo refuses audience-bound tokens, hence this.
 */
export interface AccessTokenVerifier {
  check(token: string): Promise<AccessTokenCheck>;
}

export function createAccessTokenVerifier(
  options: AccessTokenVerifierOptions,
): AccessTokenVerifier {
  const { issuer, audiences, publicJwks, state, users } = options;

  /**
   * An opaque access token (ZITADEL's default token type): oidc-provider stores it by its value,
   * and revocation or logout deletes it. The claims are what ZITADEL reports for it.
   */
  function checkOpaque(token: string): AccessTokenCheck {
    const stored = state.get('AccessToken', token) as
      | {
          accountId?: string;
          clientId?: string;
          scope?: string;
          grantId?: string;
          iat?: number;
          exp?: number;
        }
      | undefined;
    const now = Math.floor(Date.now() / 1000);
    if (!stored?.accountId || !stored.clientId || (stored.exp ?? 0) <= now)
      return { ok: false, description: 'access token revoked, expired or unknown' };
    const user = users.get(stored.accountId);
    if (user?.state !== 'active') return { ok: false, description: 'user is not active' };
    const iat = stored.iat ?? now;
    const exp = stored.exp ?? now;
    // ZITADEL's token id, not the token: an opaque token is a credential, its id is not.
    const jti = createHash('sha256').update(token).digest('hex').slice(0, 18);
    return {
      ok: true,
      claims: { iss: issuer, sub: stored.accountId, aud: audiences, exp, iat, nbf: iat, jti },
      record: {
        jti,
        accountId: stored.accountId,
        clientId: stored.clientId,
        grantId: stored.grantId,
        scope: stored.scope ?? '',
        iat,
        exp,
      },
      user,
    };
  }

  return {
    async check(token) {
      if (token.split('.').length !== 3) return checkOpaque(token);
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token, createLocalJWKSet(publicJwks()), {
          issuer,
          audience: audiences,
          algorithms: ['RS256'],
          requiredClaims: ['sub', 'exp', 'jti'],
        }));
      } catch (error) {
        const code = (error as { code?: string }).code;
        return {
          ok: false,
          description: code === 'ERR_JWT_EXPIRED' ? 'access token expired' : 'access token invalid',
        };
      }
      const record = typeof claims.jti === 'string' ? state.findAccessToken(claims.jti) : undefined;
      if (!record || record.accountId !== claims.sub)
        return { ok: false, description: 'access token revoked or unknown' };
      const user = users.get(record.accountId);
      if (user?.state !== 'active') return { ok: false, description: 'user is not active' };
      return { ok: true, claims, record, user };
    },
  };
}

/** The `jti` of something that looks like one of our JWTs, without verifying it. */
export function peekJti(token: string): string | undefined {
  try {
    const { jti } = decodeJwt(token);
    return typeof jti === 'string' ? jti : undefined;
  } catch {
    return undefined;
  }
}
