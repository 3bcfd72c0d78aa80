import { describe, expect, it } from 'vitest';
import { verifySignature } from '../src/webhooks/verify-signature';

const KEY = 'dev-signing-key';

describe('signature verification', () => {
  // Vector computed outside this code base:
  //   printf '%s' '1700000000.{"aggregateID":"1"}' | openssl dgst -sha256 -hmac dev-signing-key
  const body = Buffer.from('{"aggregateID":"1"}');
  const header = 't=1700000000,v1=f0316fa2fef8ad8c1155395d0f901d5a1668a4513d6f3a934440e8f970758bbd';

  it('accepts the openssl-computed vector', () => {
    expect(verifySignature(header, body, [KEY], 1700000000)).toEqual({ ok: true });
  });
  it('accepts when any v1 matches any key (rotation)', () => {
    const rotated = `t=1700000000,v1=${'0'.repeat(64)},v1=f0316fa2fef8ad8c1155395d0f901d5a1668a4513d6f3a934440e8f970758bbd`;
    expect(verifySignature(rotated, body, ['other', KEY], 1700000000)).toEqual({ ok: true });
  });
  it.each([
    ['stale: 301 s old', header, 1700000301, 'stale'],
    ['future: 301 s ahead', header, 1699999699, 'future'],
    ['missing header', undefined, 1700000000, 'missing'],
    ['no timestamp', 'v1=abc', 1700000000, 'malformed'],
    ['no signature', 't=1700000000', 1700000000, 'malformed'],
    ['garbage', 'hello', 1700000000, 'malformed'],
    ['wrong length signature', 't=1700000000,v1=abcd', 1700000000, 'malformed'],
  ])('rejects %s', (_what, value, now, reason) => {
    expect(verifySignature(value, body, [KEY], now)).toEqual({ ok: false, reason });
  });
  it('rejects a tampered body and a wrong key', () => {
    expect(verifySignature(header, Buffer.from('{"aggregateID":"2"}'), [KEY], 1700000000)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifySignature(header, body, ['wrong-key'], 1700000000)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });
  it('accepts exactly 300 s of age', () => {
    expect(verifySignature(header, body, [KEY], 1700000300)).toEqual({ ok: true });
  });
});
