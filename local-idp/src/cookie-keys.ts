import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from './data-files';

/** oidc-provider's cookie signing keys (dev-only): generated once, kept in the data directory. */
export function loadOrCreateCookieKeys(dataDir: string): string[] {
  const path = join(dataDir, 'cookie-keys.json');
  const stored = readJsonIfExists<{ keys?: unknown }>(path);
  if (
    Array.isArray(stored?.keys) &&
    stored.keys.length > 0 &&
    stored.keys.every((key) => typeof key === 'string')
  ) {
    return stored.keys as string[];
  }
  const keys = [randomBytes(32).toString('base64url')];
  writeJsonAtomic(path, { keys });
  return keys;
}
