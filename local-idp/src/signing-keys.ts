import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { join } from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from './data-files';
import { generateId } from './id-generator';

/** A private RSA JWK as stored in the data dir and handed to oidc-provider. */
export interface PrivateSigningJwk extends JsonWebKey {
  kty: 'RSA';
  kid: string;
  use: 'sig';
  alg: 'RS256';
}

export interface PublicSigningJwk {
  kty: 'RSA';
  kid: string;
  use: 'sig';
  alg: 'RS256';
  n: string;
  e: string;
}

interface StoredKeys {
  // Newest first: oidc-provider signs with the first matching key, so index 0 is the current key.
  keys: PrivateSigningJwk[];
}

const FILE_NAME = 'signing-keys.json';

function generateSigningJwk(): PrivateSigningJwk {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  // ZITADEL key ids are numeric ids as well; any string works for clients, this just looks familiar.
  return { ...jwk, kty: 'RSA', kid: generateId(), use: 'sig', alg: 'RS256' };
}

export function toPublicJwk(key: PrivateSigningJwk): PublicSigningJwk {
  if (!key.n || !key.e) throw new Error(`signing key ${key.kid} is not an RSA key`);
  return { kty: 'RSA', kid: key.kid, use: 'sig', alg: 'RS256', n: key.n, e: key.e };
}

/**
 * The RSA signing keys (dev-only, stored in plain JSON in the data dir). Rotation adds a new current
 * key in front and keeps the older ones published, so tokens signed before the rotation still verify.
 */
export interface SigningKeyRing {
  readonly currentKid: string;
  /** Private keys, current first (copies: oidc-provider may annotate what it is given). */
  privateJwks(): PrivateSigningJwk[];
  publicJwks(): { keys: PublicSigningJwk[] };
  /** Adds a new current key; returns its kid. */
  rotate(): string;
}

export function loadOrCreateSigningKeyRing(dataDir: string): SigningKeyRing {
  const path = join(dataDir, FILE_NAME);
  const save = () => writeJsonAtomic(path, { keys } satisfies StoredKeys);
  const stored = readJsonIfExists<StoredKeys>(path);
  let keys: PrivateSigningJwk[];
  if (stored && Array.isArray(stored.keys) && stored.keys.length > 0) {
    keys = stored.keys;
  } else {
    keys = [generateSigningJwk()];
    save();
  }

  return {
    get currentKid() {
      const [current] = keys;
      if (!current) throw new Error('no signing key');
      return current.kid;
    },
    privateJwks: () => keys.map((key) => ({ ...key })),
    publicJwks: () => ({ keys: keys.map(toPublicJwk) }),
    rotate() {
      const key = generateSigningJwk();
      keys = [key, ...keys];
      save();
      return key.kid;
    },
  };
}
