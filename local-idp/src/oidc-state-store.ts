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

export class OidcStateStore {
  readonly #path: string;
  readonly #entries = new Map<string, Entry>();
  #saveTimer: NodeJS.Timeout | undefined;

  constructor(dataDir: string) {
    this.#path = join(dataDir, FILE_NAME);
    const stored = readJsonIfExists<StateFile>(this.#path);
    for (const [key, entry] of Object.entries(stored?.entries ?? {})) this.#entries.set(key, entry);
    this.#pruneExpired();
  }

  /** The factory oidc-provider's `adapter` option expects. */
  readonly adapterFactory = (model: string): Adapter => new ModelAdapter(model, this);

  get(model: string, id: string): AdapterPayload | undefined {
    const key = `${model}:${id}`;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      this.#scheduleSave();
      return undefined;
    }
    return clone(entry.payload);
  }

  set(
    model: string,
    id: string,
    payload: AdapterPayload,
    expiresInSeconds: number | undefined,
  ): void {
    this.#entries.set(`${model}:${id}`, {
      payload: clone(payload),
      ...(expiresInSeconds === undefined
        ? {}
        : { expiresAt: Date.now() + expiresInSeconds * 1000 }),
    });
    this.#scheduleSave();
  }

  delete(model: string, id: string): void {
    if (this.#entries.delete(`${model}:${id}`)) this.#scheduleSave();
  }

  update(model: string, id: string, change: (payload: AdapterPayload) => void): void {
    const entry = this.#entries.get(`${model}:${id}`);
    if (!entry) return;
    change(entry.payload);
    this.#scheduleSave();
  }

  findBy(
    model: string,
    predicate: (payload: AdapterPayload) => boolean,
  ): AdapterPayload | undefined {
    const now = Date.now();
    for (const [key, entry] of this.#entries) {
      if (modelOf(key) !== model) continue;
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) continue;
      if (predicate(entry.payload)) return clone(entry.payload);
    }
    return undefined;
  }

  /** Removes every grant-bound artifact (of any model, including our access-token records) of a grant. */
  revokeByGrantId(grantId: string): void {
    let changed = false;
    for (const [key, entry] of this.#entries) {
      if (GRANT_BOUND_MODELS.has(modelOf(key)) && entry.payload.grantId === grantId) {
        this.#entries.delete(key);
        changed = true;
      }
    }
    if (changed) this.#scheduleSave();
  }

  recordAccessToken(record: IssuedAccessTokenRecord): void {
    const ttl = Math.max(1, record.exp - Math.floor(Date.now() / 1000));
    this.set(ISSUED_ACCESS_TOKEN, record.jti, { ...record } as unknown as AdapterPayload, ttl);
  }

  findAccessToken(jti: string): IssuedAccessTokenRecord | undefined {
    return this.get(ISSUED_ACCESS_TOKEN, jti) as unknown as IssuedAccessTokenRecord | undefined;
  }

  forgetAccessToken(jti: string): void {
    this.delete(ISSUED_ACCESS_TOKEN, jti);
  }

  /** Writes pending changes now (called on close so nothing is lost). */
  flush(): void {
    if (this.#saveTimer) {
      clearTimeout(this.#saveTimer);
      this.#saveTimer = undefined;
    }
    this.#pruneExpired();
    writeJsonAtomic(this.#path, { entries: Object.fromEntries(this.#entries) } satisfies StateFile);
  }

  #scheduleSave(): void {
    // Coalesce the bursts of writes a single authorization request makes into one file write.
    if (this.#saveTimer) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      try {
        this.flush();
      } catch (error) {
        console.error(`local-idp: could not save OIDC state: ${(error as Error).message}`);
      }
    }, SAVE_DELAY_MS);
    this.#saveTimer.unref();
  }

  #pruneExpired(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#entries.delete(key);
    }
  }
}

class ModelAdapter implements Adapter {
  readonly #model: string;
  readonly #store: OidcStateStore;

  constructor(model: string, store: OidcStateStore) {
    this.#model = model;
    this.#store = store;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    this.#store.set(
      this.#model,
      id,
      payload,
      typeof expiresIn === 'number' ? expiresIn : undefined,
    );
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#store.get(this.#model, id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#store.findBy(this.#model, (payload) => payload.userCode === userCode);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#store.findBy(this.#model, (payload) => payload.uid === uid);
  }

  async consume(id: string): Promise<void> {
    this.#store.update(this.#model, id, (payload) => {
      payload.consumed = Math.floor(Date.now() / 1000);
    });
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(this.#model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.#store.revokeByGrantId(grantId);
  }
}
