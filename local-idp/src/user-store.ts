import { join } from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from './data-files';

export type UserState = 'active' | 'inactive' | 'locked' | 'removed';

export interface StoredUser {
  /** 18-digit ZITADEL-style id; also the OIDC `sub`. */
  id: string;
  email: string;
  emailVerified: boolean;
  givenName: string;
  familyName: string;
  passwordHash: string;
  /** RFC 3339 timestamps (createdAt: the creation date of the user's first event). */
  createdAt: string;
  updatedAt: string;
  state: UserState;
  /** The user's organisation when it is not the default one (organisations.ts). */
  orgId?: string;
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
 * Users persisted as one JSON file in the data dir, rewritten atomically on every change (a burst of
 * users is one change). The user count of a dev IdP is small, so rewriting the whole file is
 * simpler than anything incremental.
 */
export class UserStore {
  readonly #path: string;
  readonly #users = new Map<string, StoredUser>();
  /** Email key → id of the non-removed user owning it. */
  readonly #byEmail = new Map<string, string>();

  constructor(dataDir: string) {
    this.#path = join(dataDir, FILE_NAME);
    const stored = readJsonIfExists<UsersFile>(this.#path);
    for (const user of stored?.users ?? []) this.#remember(user);
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
    const id = this.#byEmail.get(emailKey(email));
    const user = id === undefined ? undefined : this.#users.get(id);
    return user ? { ...user } : undefined;
  }

  save(user: StoredUser): void {
    this.saveMany([user]);
  }

  /** Stores several users with one rewrite of the file. */
  saveMany(users: readonly StoredUser[]): void {
    for (const user of users) this.#remember({ ...user });
    writeJsonAtomic(this.#path, { users: [...this.#users.values()] } satisfies UsersFile);
  }

  #remember(user: StoredUser): void {
    const previous = this.#users.get(user.id);
    if (previous && this.#byEmail.get(emailKey(previous.email)) === user.id) {
      this.#byEmail.delete(emailKey(previous.email));
    }
    this.#users.set(user.id, user);
    if (user.state !== 'removed') this.#byEmail.set(emailKey(user.email), user.id);
  }
}
