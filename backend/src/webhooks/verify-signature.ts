import { createHmac, timingSafeEqual } from 'node:crypto';

/** ZITADEL's own validator accepts signatures up to this old; we also refuse the far future. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureRejection = 'missing' | 'malformed' | 'stale' | 'future' | 'mismatch';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureRejection };

/**
 * Checks a `ZITADEL-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]` header: HMAC-SHA256 keyed
 * with the signing key's UTF-8 bytes over `"<t>." + raw body`. Any `v1` may match any configured
 * key (rotation), compared in constant time. Runs on the raw bytes, before JSON parsing.
 */
export function verifySignature(
  header: string | undefined,
  rawBody: Buffer,
  keys: readonly string[],
  nowSeconds = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing' };
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [name, value, ...rest] = part.trim().split('=');
    if (!name || value === undefined || rest.length > 0) return { ok: false, reason: 'malformed' };
    if (name === 't') timestamp = value;
    // 32 bytes of SHA-256 as 64 lowercase hex digits; anything else cannot match.
    else if (name === 'v1' && /^[0-9a-f]{64}$/i.test(value))
      signatures.push(Buffer.from(value, 'hex'));
  }
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) {
    return { ok: false, reason: 'malformed' };
  }
  const age = nowSeconds - Number(timestamp);
  if (age > SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: 'stale' };
  if (age < -SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: 'future' };

  let matched = false;
  for (const key of keys) {
    const expected = createHmac('sha256', Buffer.from(key, 'utf8'))
      .update(`${timestamp}.`)
      .update(rawBody)
      .digest();
    // Compare against every candidate without stopping early, so timing says nothing about which.
    for (const signature of signatures) {
      if (timingSafeEqual(expected, signature)) matched = true;
    }
  }
  return matched ? { ok: true } : { ok: false, reason: 'mismatch' };
}
