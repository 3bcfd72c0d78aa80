import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Everything in the data dir is small and written rarely, so synchronous IO keeps writes ordered and
 * makes "the HTTP response was sent, so the data is on disk" true without extra bookkeeping.
 */

/** Writes via a temp file and rename, so a crash mid-write never leaves a truncated file behind. */
export function writeFileAtomic(path: string, contents: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, contents, { mode });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Returns undefined when the file does not exist yet; any other problem (bad JSON, permissions) throws. */
export function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function readJsonIfExists<T>(path: string): T | undefined {
  const text = readTextIfExists(path);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

/**
 * Reads a secret from the data dir, or generates and stores it on first start. Used for the admin
 * PAT, the webhook signing key and the cookie keys: all dev-only values that must survive restarts
 * so the app's configuration does not have to change every time the IdP restarts.
 */
export function loadOrCreateSecret(path: string, generate: () => string): string {
  const existing = readTextIfExists(path)?.trim();
  if (existing) return existing;
  const created = generate();
  writeFileAtomic(path, `${created}\n`);
  return created;
}
