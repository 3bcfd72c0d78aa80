import { createLocalJWKSet, decodeJwt, type JWTPayload, jwtVerify } from 'jose';
import type { IssuedAccessTokenRecord, OidcStateStore } from './oidc-state-store.ts';
import type { PublicSigningJwk } from './signing-keys.ts';
import type { UserAccounts } from './user-accounts.ts';
import type { User } from './user-store.ts';

export type AccessTokenCheck =
  | { ok: true; claims: JWTPayload; record: IssuedAccessTokenRecord; user: User }
  | { ok: false; description: string };

export interface AccessTokenVerifierOptions {
  issuer: string;
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
export class AccessTokenVerifier {
  readonly #options: AccessTokenVerifierOptions;

  constructor(options: AccessTokenVerifierOptions) {
    this.#options = options;
  }

  async check(token: string): Promise<AccessTokenCheck> {
    const { issuer, audiences, publicJwks, state, users } = this.#options;
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
  }

  /** The `jti` of something that looks like one of our JWTs, without verifying it. */
  static peekJti(token: string): string | undefined {
    try {
      const { jti } = decodeJwt(token);
      return typeof jti === 'string' ? jti : undefined;
    } catch {
      return undefined;
    }
  }
}
