import { hash } from 'node:crypto';

declare const madeByHashToken: unique symbol;

/**
 * A token with what caches and logs know it by: its SHA-256, so neither ever holds a usable
 * credential. Only hashToken makes one, so a cache can never be handed a key that belongs to
 * another token (that would cache an acceptance for the wrong token).
 */
export interface HashedToken {
  readonly token: string;
  readonly key: string & { readonly [madeByHashToken]: true };
}

export function hashToken(token: string): HashedToken {
  return { token, key: hash('sha256', token, 'base64url') as HashedToken['key'] };
}
