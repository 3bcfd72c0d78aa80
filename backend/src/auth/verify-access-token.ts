import { createHash } from 'node:crypto';
import { ConnectError } from '@connectrpc/connect';
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { issuerUnavailable, unauthenticated } from './auth-error';
import type { IssuerMetadata } from './discover-issuer';

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

export interface VerifiedToken extends JWTPayload {
  sub: string;
}

export interface AccessTokenVerifierOptions {
  issuer: string;
  audience: string[];
  discover: () => Promise<IssuerMetadata>;
}

export type VerifyAccessToken = (token: string) => Promise<VerifiedToken>;

// A verified token is trusted again, without a signature check, for at most this long (and never
// past its `exp`): a signed-in SPA calls with the same token many times.
const VERIFIED_CACHE_MS = 60_000;
const VERIFIED_CACHE_ENTRIES = 10_000;

export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): VerifyAccessToken {
  // Keyed by the token's hash, so the cache never holds a usable token. Only successes are kept.
  const verified = new Map<string, { payload: VerifiedToken; until: number }>();
  let jwks: { uri: string; keySet: ReturnType<typeof createRemoteJWKSet> } | undefined;

  async function keySet() {
    const { jwks_uri } = await options.discover();
    if (jwks?.uri !== jwks_uri) {
      jwks = {
        uri: jwks_uri,
        // jose caches the key set and refetches on an unknown `kid`, at most once per cooldown,
        // so a flood of forged kids cannot turn into a flood of requests to the issuer.
        keySet: createRemoteJWKSet(new URL(jwks_uri), {
          cacheMaxAge: 10 * 60 * 1000,
          cooldownDuration: 30 * 1000,
          timeoutDuration: 5000,
        }),
      };
    }
    return jwks.keySet;
  }

  return async (token) => {
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = verified.get(key);
    if (hit && hit.until > Date.now()) return hit.payload;
    const keys = await keySet();
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ALLOWED_ALGORITHMS,
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ['sub', 'exp'],
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        throw unauthenticated('access token has no subject');
      }
      const exp = (payload.exp ?? 0) * 1000;
      if (verified.size >= VERIFIED_CACHE_ENTRIES) {
        const oldest = verified.keys().next().value;
        if (oldest !== undefined) verified.delete(oldest);
      }
      verified.set(key, {
        payload: payload as VerifiedToken,
        until: Math.min(exp, Date.now() + VERIFIED_CACHE_MS),
      });
      return payload as VerifiedToken;
    } catch (error) {
      throw explain(error);
    }
  };
}

function explain(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof errors.JWTExpired) return unauthenticated('access token expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return unauthenticated('access token is not yet valid');
      case 'iat':
        return unauthenticated('access token was issued in the future');
      case 'iss':
        return unauthenticated('access token has the wrong issuer');
      case 'aud':
        return unauthenticated('access token is not meant for this API (audience)');
      default:
        return unauthenticated(`access token claim "${error.claim}" is invalid`);
    }
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
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return issuerUnavailable('key set could not be loaded', error);
  }
  // jose reports a non-200 key set response as a bare JOSEError naming the key set.
  if (error instanceof errors.JOSEError && error.message.includes('JSON Web Key Set')) {
    return issuerUnavailable('key set could not be loaded', error);
  }
  if (error instanceof errors.JOSEError) {
    return unauthenticated('access token is malformed');
  }
  // fetch() failures while loading the key set
  if (error instanceof TypeError) return issuerUnavailable('key set could not be loaded', error);
  return unauthenticated('access token could not be verified');
}
