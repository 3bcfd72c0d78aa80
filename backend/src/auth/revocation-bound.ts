/**
 * How long after a token is revoked at the issuer (logout, `/oauth/v2/revoke`) it may still be
 * accepted here, on every path (docs/decisions/031): userinfo answers (which confirm a JWT) and
 * introspection answers (which confirm an opaque token) are reused for at most this long, and a
 * JWT younger than this needs no confirmation at all (it cannot have been revoked earlier than
 * it was issued).
 */
export const REVOCATION_BOUND_MS = 30_000;
