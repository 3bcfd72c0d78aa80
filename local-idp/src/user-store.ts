import { join } from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from './data-files.ts';

export type UserState = 'active' | 'inactive' | 'locked' | 'removed';

export interface StoredUser {
  /** 18-digit ZITADEL-style id; also the OIDC `sub`. */
  id: string;
  email: string;
  emailVerified: boolean;
  givenName: string;
  familyName: string;
  passwordHash: string;
  /** RFC 3339 timestamps. */
  createdAt: string;
  updatedAt: string;
  state: UserState;
}

/** A user as shown outside the store: never with the password hash. */
export type User = Omit<StoredUser, 'passwordHash'>;

export function toPublicUser(user: StoredUser): User {
  const { passwordHash: _hash, ...rest } = user;
  return rest;
}

interface UsersFile {
  users: StoredUser[];
}

const FILE_NAME = 'users.json';

/** Emails are unique ignoring case (like ZITADEL's login names); removed users release theirs. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Users persisted as one JSON file in the data dir, rewritten atomically on every change. The user
 * count of a dev IdP is tiny, so rewriting the whole file is simpler than anything incremental.
 */
export class UserStore {
  readonly #path: string;
  readonly #users = new Map<string, StoredUser>();

  constructor(dataDir: string) {
    this.#path = join(dataDir, FILE_NAME);
    const stored = readJsonIfExists<UsersFile>(this.#path);
    for (const user of stored?.users ?? []) this.#users.set(user.id, user);
  }

  all(): StoredUser[] {
    return [...this.#users.values()].map((user) => ({ ...user }));
  }

  get(id: string): StoredUser | undefined {
    const user = this.#users.get(id);
    return user ? { ...user } : undefined;
  }

  /** The non-removed user owning this email, if any. */
  findByEmail(email: string): StoredUser | undefined {
    const key = emailKey(email);
    for (const user of this.#users.values()) {
      if (user.state !== 'removed' && emailKey(user.email) === key) return { ...user };
    }
    return undefined;
  }

  save(user: StoredUser): void {
    this.#users.set(user.id, { ...user });
    writeJsonAtomic(this.#path, { users: [...this.#users.values()] } satisfies UsersFile);
  }
}
