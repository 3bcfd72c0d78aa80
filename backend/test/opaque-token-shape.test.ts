import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_OPAQUE_TOKEN_CHARS,
  MIN_OPAQUE_TOKEN_CHARS,
  opaqueTokenShapeProblem,
} from '../src/auth/opaque-token-shape';

/**
 * An opaque access token made exactly as ZITADEL makes one: internal/api/oidc/token.go calls
 * zitadel/oidc `op.CreateBearerToken(tokenID, userID, crypto)` (pkg/op/token.go), which is
 * `crypto.Encrypt(tokenID + ":" + userID)`: AES (32-byte key) in CFB mode with a random 16-byte IV
 * written in front of the ciphertext, the whole in unpadded base64url (pkg/crypto/crypto.go
 * EncryptAES / EncryptBytesAES, `base64.RawURLEncoding`).
 */
function zitadelOpaqueToken(tokenId: string, userId: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cfb', randomBytes(32), iv);
  const sealed = Buffer.concat([cipher.update(`${tokenId}:${userId}`, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, sealed]).toString('base64url');
}

describe('opaque token shape (ZITADEL contract)', () => {
  it.each([
    // Token ids of ZITADEL v2 (session-bound) and v1 tokens, snowflake user ids, and the longest
    // custom user id ZITADEL accepts (200 characters).
    ['V2_336500000000000700-at_336500000000000701', '336494809936035843'],
    ['336500000000000701', '336494809936035843'],
    ['V2_336500000000000700-at_336500000000000701', 'u'.repeat(200)],
  ])('accepts a token built as ZITADEL builds it (%s : %s)', (tokenId, userId) => {
    for (let sample = 0; sample < 50; sample++) {
      expect(opaqueTokenShapeProblem(zitadelOpaqueToken(tokenId, userId))).toBeUndefined();
    }
  });

  it('accepts what oidc-provider (the local identity provider) issues: 43 base64url characters', () => {
    expect(opaqueTokenShapeProblem(randomBytes(32).toString('base64url'))).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['too short to hold an IV and "a:b"', 'a'.repeat(MIN_OPAQUE_TOKEN_CHARS - 1)],
    ['too long', 'a'.repeat(MAX_OPAQUE_TOKEN_CHARS + 1)],
    ['padded base64', `${randomBytes(31).toString('base64url')}=`],
    ['standard base64 (+ and /)', `${'A'.repeat(40)}+/AA`],
    ['dots (a broken JWT)', `${'a'.repeat(20)}.${'b'.repeat(20)}`],
    ['a length no unpadded base64 has', 'a'.repeat(45)],
    ['non-ASCII', `${'a'.repeat(40)}é`],
    ['percent-encoded', `${'a'.repeat(40)}%20`],
  ])('refuses what no ZITADEL token can be: %s', (_why, token) => {
    expect(opaqueTokenShapeProblem(token)).toBeDefined();
  });
});
