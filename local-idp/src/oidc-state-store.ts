import { join } from 'node:path';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { readJsonIfExists, writeJsonAtomic } from './data-files';

/**
 * Storage for oidc-provider's artifacts (sessions, grants, codes, refresh tokens, interactions) and
 * for the bookkeeping of issued JWT access tokens. It is persisted to the data dir so a restart of
 * the IdP keeps users signed in and refresh tokens valid (as a restart of ZITADEL would), and it is
 * shared by the provider instances a key rotation creates.
 */

/** Not an oidc-provider model: what we remember about each JWT access token for userinfo/introspection. */
export const ISSUED_ACCESS_TOKEN = 'IssuedAccessToken';

export interface IssuedAccessTokenRecord {
  jti: string;
  accountId: string;
  clientId: string;
  grantId: string | undefined;
  scope: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}

interface Entry {
  payload: AdapterPayload;
  /** Milliseconds since the epoch; undefined = no expiry. */
  expiresAt?: number;
}

interface StateFile {
  entries: Record<string, Entry>;
}

// Models whose artifacts die with their grant (logout, refresh-token revocation).
const GRANT_BOUND_MODELS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
  ISSUED_ACCESS_TOKEN,
]);

const FILE_NAME = 'oidc-state.json';
const SAVE_DELAY_MS = 25;

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function modelOf(key: string): string {
  return key.slice(0, key.indexOf(':'));
}

export interface OidcStateStore {
  /** The factory oidc-provider's `adapter` option expects (an arrow: oidc-provider calls it, never `new`). */
  readonly adapterFactory: (model: string) => Adapter;
  get(model: string, id: string): AdapterPayload | undefined;
  set(
    model: string,
    id: string,
    payload: AdapterPayload,
    expiresInSeconds: number | undefined,
  ): void;
  delete(model: string, id: string): void;
  update(model: string, id: string, change: (payload: AdapterPayload) => void): void;
  findBy(
    model: string,
    predicate: (payload: AdapterPayload) => boolean,
  ): AdapterPayload | undefined;
  /** Removes every grant-bound artifact (of any model, including our access-token records) of a grant. */
  revokeByGrantId(grantId: string): void;
  recordAccessToken(record: IssuedAccessTokenRecord): void;
  findAccessToken(jti: string): IssuedAccessTokenRecord | undefined;
  forgetAccessToken(jti: string): void;
  /** Writes pending changes now (called on close so nothing is lost). */
  flush(): void;
}

export function createOidcStateStore(dataDir: string): OidcStateStore {
  const path = join(dataDir, FILE_NAME);
  const entries = new Map<string, Entry>();
  let saveTimer: NodeJS.Timeout | undefined;

  function pruneExpired(): void {
    const now = Date.now();
    for (const [key, entry] of entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) entries.delete(key);
    }
  }

  function flush(): void {
    if (saveTimer) {
      clearTimeout(saveTimer);
      saveTimer = undefined;
    }
    pruneExpired();
    writeJsonAtomic(path, { entries: Object.fromEntries(entries) } satisfies StateFile);
  }

  function scheduleSave(): void {
    // Coalesce the bursts of writes a single authorization request makes into one file write.
    if (saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      try {
        flush();
      } catch (error) {
        console.error(`local-idp: could not save OIDC state: ${(error as Error).message}`);
      }
    }, SAVE_DELAY_MS);
    saveTimer.unref();
  }

  for (const [key, entry] of Object.entries(readJsonIfExists<StateFile>(path)?.entries ?? {}))
    entries.set(key, entry);
  pruneExpired();

  const store: OidcStateStore = {
    adapterFactory: (model) => createModelAdapter(model, store),
    get(model, id) {
      const key = `${model}:${id}`;
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
        entries.delete(key);
        scheduleSave();
        return undefined;
      }
      return clone(entry.payload);
    },
    set(model, id, payload, expiresInSeconds) {
      entries.set(`${model}:${id}`, {
        payload: clone(payload),
        ...(expiresInSeconds === undefined
          ? {}
          : { expiresAt: Date.now() + expiresInSeconds * 1000 }),
      });
      scheduleSave();
    },
    delete(model, id) {
      if (entries.delete(`${model}:${id}`)) scheduleSave();
    },
    update(model, id, change) {
      const entry = entries.get(`${model}:${id}`);
      if (!entry) return;
      change(entry.payload);
      scheduleSave();
    },
    findBy(model, predicate) {
      const now = Date.now();
      for (const [key, entry] of entries) {
        if (modelOf(key) !== model) continue;
        if (entry.expiresAt !== undefined && entry.expiresAt <= now) continue;
        if (predicate(entry.payload)) return clone(entry.payload);
      }
      return undefined;
    },
    revokeByGrantId(grantId) {
      let changed = false;
      for (const [key, entry] of entries) {
        if (GRANT_BOUND_MODELS.has(modelOf(key)) && entry.payload.grantId === grantId) {
          entries.delete(key);
          changed = true;
        }
      }
      if (changed) scheduleSave();
    },
    recordAccessToken(record) {
      const ttl = Math.max(1, record.exp - Math.floor(Date.now() / 1000));
      store.set(ISSUED_ACCESS_TOKEN, record.jti, { ...record } as unknown as AdapterPayload, ttl);
    },
    findAccessToken: (jti) =>
      store.get(ISSUED_ACCESS_TOKEN, jti) as unknown as IssuedAccessTokenRecord | undefined,
    forgetAccessToken: (jti) => store.delete(ISSUED_ACCESS_TOKEN, jti),
    flush,
  };
  return store;
}

/** One model's view of the store, as oidc-provider's Adapter interface asks. */
function createModelAdapter(model: string, store: OidcStateStore): Adapter {
  return {
    async upsert(id, payload, expiresIn) {
      store.set(model, id, payload, typeof expiresIn === 'number' ? expiresIn : undefined);
    },
    find: async (id) => store.get(model, id),
    findByUserCode: async (userCode) =>
      store.findBy(model, (payload) => payload.userCode === userCode),
    findByUid: async (uid) => store.findBy(model, (payload) => payload.uid === uid),
    async consume(id) {
      store.update(model, id, (payload) => {
        payload.consumed = Math.floor(Date.now() / 1000);
      });
    },
    async destroy(id) {
      store.delete(model, id);
    },
    async revokeByGrantId(grantId) {
      store.revokeByGrantId(grantId);
    },
  };
}
