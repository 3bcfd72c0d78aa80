import { describe, expect, it } from 'vitest';
import {
  MAX_OPAQUE_TOKEN_CHARS,
  MIN_OPAQUE_TOKEN_CHARS,
  opaqueTokenShapeProblem,
} from '../src/auth/opaque-token-shape';

// The edges of what may be a ZITADEL opaque token (auth/opaque-token-shape.ts), and the reason
// each refusal names (it reaches the client in the refusal's message).
describe('opaque token shape edges', () => {
  it('takes the shortest and the longest length a ZITADEL token can have', () => {
    expect(MIN_OPAQUE_TOKEN_CHARS).toBe(26);
    expect(MAX_OPAQUE_TOKEN_CHARS).toBe(1024);
    expect(opaqueTokenShapeProblem('a'.repeat(MIN_OPAQUE_TOKEN_CHARS))).toBeUndefined();
    expect(opaqueTokenShapeProblem('a'.repeat(MAX_OPAQUE_TOKEN_CHARS))).toBeUndefined();
  });

  it.each([
    ['a'.repeat(MIN_OPAQUE_TOKEN_CHARS - 1), 'too short'],
    ['a'.repeat(MAX_OPAQUE_TOKEN_CHARS + 1), 'too long'],
    [`${'a'.repeat(40)}=`, 'not unpadded base64url'],
    [`=${'a'.repeat(40)}`, 'not unpadded base64url'],
    ['a'.repeat(45), 'not a whole number of bytes in base64url'],
  ])('names why %s is no ZITADEL token: %s', (token, reason) => {
    expect(opaqueTokenShapeProblem(token)).toBe(reason);
  });

  it('takes every length unpadded base64url has', () => {
    for (const length of [44, 46, 47, 48]) {
      expect(opaqueTokenShapeProblem('a'.repeat(length))).toBeUndefined();
    }
  });
});
