import { Code, ConnectError } from '@connectrpc/connect';

/** The caller's credentials are wrong: say what, so a client developer can fix it. */
export function unauthenticated(reason: string): ConnectError {
  return new ConnectError(reason, Code.Unauthenticated);
}

/** The issuer (discovery, JWKS or userinfo) could not be reached: the caller may retry. */
export function issuerUnavailable(what: string, cause?: unknown): ConnectError {
  return new ConnectError(
    `identity provider unavailable: ${what}`,
    Code.Unavailable,
    undefined,
    undefined,
    cause,
  );
}
