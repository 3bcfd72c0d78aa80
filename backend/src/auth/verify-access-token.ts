import { ConnectError } from '@connectrpc/connect';
import { createLocalJWKSet, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { APP_USER_ID_CLAIM } from './app-user-id-claim';
import { permissionDenied, unauthenticated } from './auth-error';
import type { IntrospectAccessToken, IntrospectionResponse } from './introspect-access-token';
import type { IssuerKeySet } from './issuer-key-set';
import { opaqueTokenShapeProblem } from './opaque-token-shape';
import { REVOCATION_BOUND_MS } from './revocation-bound';
import type { HashedToken } from './token-key';

// Asymmetric only: with HS* a leaked public key would be a signing key, and `none` is no signature.
export const ALLOWED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

const CLOCK_SKEW_SECONDS = 60;

/**
 * Claims only an ID token carries. ZITADEL signs ID and access tokens with the same key, `sub` and
 * audience, and its ID tokens carry `client_id` too (zitadel/oidc pkg/oidc/token.go
 * NewIDTokenClaims sets `azp` and `client_id`; NewAccessTokenClaims sets `client_id` only;
 * ZITADEL internal/api/oidc/token.go createIDToken adds `at_hash`). So `client_id` cannot tell
 * them apart: these can.
 */
export const ID_TOKEN_CLAIMS = ['azp', 'nonce', 'at_hash', 'c_hash'] as const;

/** What a verified access token says about its caller. */
export interface VerifiedToken {
  /** ZITADEL's user id. */
  sub: string;
  /** The OAuth client the token was issued to (RFC 9068 `client_id`). */
  clientId: string;
  /** How it was checked: signature (JWT) or the issuer's introspection (opaque). */
  kind: 'jwt' | 'opaque';
  /**
   * The app user's id from the enricher's claim (docs/decisions/020). Only JWT access tokens carry
   * it: ZITADEL runs `preaccesstoken` for JWT access tokens only.
   */
  appUserId?: string;
  /** When the issuer says it issued the token (JWT `iat`, in ms); undefined for opaque tokens. */
  issuedAt?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AccessTokenVerifierOptions {
  issuer: string;
  /** Accepted `aud` values: one of them must be in the token's audience. */
  audience: readonly string[];
  /** Clients whose access tokens this API accepts (OIDC_CLIENT_IDS). */
  clientIds: readonly string[];
  keySet: IssuerKeySet;
  /** Unset: opaque (non-JWT) tokens are refused. */
  introspect?: IntrospectAccessToken;
  now?: () => number;
}

export type VerifyAccessToken = (token: HashedToken) => Promise<VerifiedToken>;

// An accepted token is trusted again, without a signature check or introspection, for at most
// this long (and never past its `exp`): a signed-in SPA calls with the same token many times.
// A signature never changes, so a JWT's entry may live a minute. An opaque token's introspection
// is also its revocation check, so it is trusted no longer than the revocation bound
// (docs/decisions/031); a JWT's revocation is checked by the authenticator (userinfo).
const ACCEPTED_CACHE_MS = { jwt: 60_000, opaque: REVOCATION_BOUND_MS } as const;
const ACCEPTED_CACHE_ENTRIES = 10_000;
// Opaque tokens the issuer called inactive are refused without asking again for this long: a
// client retrying a dead token, or a flood of the same junk, costs one introspection.
const REFUSED_CACHE_MS = 10_000;
const INACTIVE =
  'the identity provider reports this access token as inactive (revoked, expired or not an access token)';

export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): VerifyAccessToken {
  const now = options.now ?? Date.now;
  const clientIds = new Set(options.clientIds);
  // Keyed by the token's hash, so the cache never holds a usable token. Only acceptances are kept.
  // Least recently used goes first: a token in use stays however many others pass through.
  const accepted = new LRUCache<HashedToken['key'], { token: VerifiedToken; until: number }>({
    max: ACCEPTED_CACHE_ENTRIES,
  });
  const refused = new LRUCache<HashedToken['key'], true>({
    max: ACCEPTED_CACHE_ENTRIES,
    ttl: REFUSED_CACHE_MS,
  });

  function acceptClient(clientId: unknown): string {
    if (typeof clientId !== 'string' || clientId === '') {
      throw unauthenticated(
        'access token has no client_id (RFC 9068 §2.2), so it was not issued to a client this API accepts',
      );
    }
    if (!clientIds.has(clientId)) {
      throw permissionDenied(
        `access token was issued to client "${clientId}", which may not call this API`,
      );
    }
    return clientId;
  }

  async function verifyJwt(token: string): Promise<{ token: VerifiedToken; exp: number }> {
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(token);
      kid = typeof header.kid === 'string' ? header.kid : undefined;
    } catch {
      throw unauthenticated('access token is malformed');
    }
    const keys = await options.keySet.forKid(kid);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, createLocalJWKSet(keys), {
        issuer: options.issuer,
        audience: [...options.audience],
        algorithms: ALLOWED_ALGORITHMS,
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ['sub', 'exp'],
        // The same clock as the accepted-token cache, so the two cannot disagree on `exp`.
        currentDate: new Date(now()),
      }));
    } catch (error) {
      throw explain(error);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw unauthenticated('access token has no subject');
    }
    const idTokenClaims = ID_TOKEN_CLAIMS.filter((claim) => payload[claim] !== undefined);
    if (idTokenClaims.length > 0) {
      throw unauthenticated(
        `this is an ID token (it has ${idTokenClaims.join(', ')}), not an access token: send the access_token of the token response`,
      );
    }
    const clientId = acceptClient(payload.client_id);
    const appUserId = payload[APP_USER_ID_CLAIM];
    return {
      token: {
        sub: payload.sub,
        clientId,
        kind: 'jwt',
        appUserId: typeof appUserId === 'string' && UUID.test(appUserId) ? appUserId : undefined,
        issuedAt: typeof payload.iat === 'number' ? payload.iat * 1000 : undefined,
      },
      exp: (payload.exp ?? 0) * 1000,
    };
  }

  async function verifyOpaque({
    token,
    key,
  }: HashedToken): Promise<{ token: VerifiedToken; exp: number }> {
    if (!options.introspect) {
      throw unauthenticated(
        'access token is not a JWT, and this API is not configured to introspect opaque tokens',
      );
    }
    // Only a string ZITADEL could have issued is worth an introspection request.
    const problem = opaqueTokenShapeProblem(token);
    if (problem) {
      throw unauthenticated(
        `access token is neither a JWT nor a ZITADEL opaque token (${problem})`,
      );
    }
    if (refused.has(key)) throw unauthenticated(INACTIVE);
    const answer: IntrospectionResponse = await options.introspect(token);
    if (!answer.active) {
      refused.set(key, true);
      throw unauthenticated(INACTIVE);
    }
    if (!answer.sub) throw unauthenticated('introspection names no subject for this access token');
    if (answer.iss !== undefined && answer.iss.replace(/\/+$/, '') !== options.issuer) {
      throw unauthenticated('access token has the wrong issuer');
    }
    if (answer.exp !== undefined && (answer.exp + CLOCK_SKEW_SECONDS) * 1000 < now()) {
      throw unauthenticated('access token expired');
    }
    const audience = answer.aud === undefined ? [] : [answer.aud].flat();
    if (!audience.some((entry) => options.audience.includes(entry))) {
      throw unauthenticated('access token is not meant for this API (audience)');
    }
    const clientId = acceptClient(answer.client_id);
    return {
      token: { sub: answer.sub, clientId, kind: 'opaque' },
      exp: answer.exp === undefined ? Number.POSITIVE_INFINITY : answer.exp * 1000,
    };
  }

  return async (hashed) => {
    const { token, key } = hashed;
    const hit = accepted.get(key);
    if (hit && hit.until > now()) return hit.token;
    // A JWS in compact form has exactly three parts; anything else (ZITADEL's opaque tokens are
    // one base64url string) can only be checked by the issuer.
    const result =
      token.split('.').length === 3 ? await verifyJwt(token) : await verifyOpaque(hashed);
    accepted.set(key, {
      token: result.token,
      until: Math.min(result.exp, now() + ACCEPTED_CACHE_MS[result.token.kind]),
    });
    return result.token;
  };
}

function explain(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof errors.JWTExpired) return unauthenticated('access token expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    // Only a failed check says more than which claim is wrong: a claim that is missing, or no
    // number where a time belongs, is just invalid.
    if (error.reason === 'check_failed') {
      switch (error.claim) {
        case 'nbf':
          return unauthenticated('access token is not yet valid');
        case 'iss':
          return unauthenticated('access token has the wrong issuer');
        case 'aud':
          return unauthenticated('access token is not meant for this API (audience)');
      }
    }
    return unauthenticated(`access token claim "${error.claim}" is invalid`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return unauthenticated('access token algorithm is not allowed');
  }
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return unauthenticated('access token is signed with an unknown key');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return unauthenticated('access token signature is invalid');
  }
  if (error instanceof errors.JOSEError) {
    return unauthenticated('access token is malformed');
  }
  return unauthenticated('access token could not be verified');
}
