/**
 * What every ZITADEL opaque access token looks like, checked before anyone asks the issuer about
 * it. ZITADEL creates one with `op.CreateBearerToken(tokenID, userID, crypto)`
 * (internal/api/oidc/token.go → zitadel/oidc pkg/op/token.go): `crypto.Encrypt(tokenID + ":" +
 * userID)`, which is AES-CFB with its 16-byte IV in front, in unpadded base64url
 * (zitadel/oidc pkg/crypto/crypto.go EncryptAES, `base64.RawURLEncoding`). CFB keeps the length,
 * so a token decodes to 16 + len(tokenID) + 1 + len(userID) bytes. test/opaque-token-shape.test.ts
 * builds tokens exactly that way.
 */

// Unpadded base64url only: no '=', '+', '/', '.', whitespace or anything else.
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// The IV and at least "a:b".
const MIN_DECODED_BYTES = 16 + 3;
// ZITADEL ids are at most 200 characters (custom user ids included), token ids "V2_<id>-at_<id>":
// 16 + ~60 + 1 + 200 bytes is far below this. A longer string is no ZITADEL token.
const MAX_DECODED_BYTES = 768;

const encodedLength = (bytes: number) => Math.ceil((bytes * 4) / 3);
export const MIN_OPAQUE_TOKEN_CHARS = encodedLength(MIN_DECODED_BYTES);
export const MAX_OPAQUE_TOKEN_CHARS = encodedLength(MAX_DECODED_BYTES);

/** Why `token` cannot be a ZITADEL opaque access token, or undefined when it could be one. */
export function opaqueTokenShapeProblem(token: string): string | undefined {
  if (token.length < MIN_OPAQUE_TOKEN_CHARS) return 'too short';
  if (token.length > MAX_OPAQUE_TOKEN_CHARS) return 'too long';
  if (!BASE64URL.test(token)) return 'not unpadded base64url';
  // Unpadded base64 never leaves a single character in its last group.
  if (token.length % 4 === 1) return 'not a whole number of bytes in base64url';
  return undefined;
}
