import { Code, ConnectError } from '@connectrpc/connect';

/** The caller's credentials are wrong: say what, so a client developer can fix it. */
export function unauthenticated(reason: string): ConnectError {
  return new ConnectError(reason, Code.Unauthenticated);
}

/** The credentials are genuine but were not issued for this API (another client's token). */
export function permissionDenied(reason: string): ConnectError {
  return new ConnectError(reason, Code.PermissionDenied);
}

/** The issuer (discovery, JWKS, introspection or userinfo) could not be reached: the caller may retry. */
export function issuerUnavailable(what: string, cause?: unknown): ConnectError {
  return new ConnectError(
    `identity provider unavailable: ${what}`,
    Code.Unavailable,
    undefined,
    undefined,
    cause,
  );
}

/**
 * This API's own identity-provider settings are wrong (say, introspection credentials the issuer
 * refuses): nothing the caller can fix, and retrying will not help until an operator does.
 */
export function authMisconfigured(what: string): ConnectError {
  return new ConnectError(`token verification is misconfigured: ${what}`, Code.Internal);
}
