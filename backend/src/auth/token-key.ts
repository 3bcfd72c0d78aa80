import { hash } from 'node:crypto';

/**
 * What caches and logs know a token by: its SHA-256, so neither ever holds a usable credential.
 * One-shot `hash()`: this runs on every call (once: authenticate passes the key on).
 */
export function tokenKey(token: string): string {
  return hash('sha256', token, 'base64url');
}
