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
export interface UserStore {
  all(): StoredUser[];
  get(id: string): StoredUser | undefined;
  /** The non-removed user owning this email, if any. */
  findByEmail(email: string): StoredUser | undefined;
  save(user: StoredUser): void;
  /** Stores several users with one rewrite of the file. */
  saveMany(users: readonly StoredUser[]): void;
}

export function createUserStore(dataDir: string): UserStore {
  const path = join(dataDir, FILE_NAME);
  const byId = new Map<string, StoredUser>();
  /** Email key → id of the non-removed user owning it. */
  const byEmail = new Map<string, string>();

  const remember = (user: StoredUser): void => {
    const previous = byId.get(user.id);
    if (previous && byEmail.get(emailKey(previous.email)) === user.id) {
      byEmail.delete(emailKey(previous.email));
    }
    byId.set(user.id, user);
    if (user.state !== 'removed') byEmail.set(emailKey(user.email), user.id);
  };
  const saveMany = (users: readonly StoredUser[]): void => {
    for (const user of users) remember({ ...user });
    writeJsonAtomic(path, { users: [...byId.values()] } satisfies UsersFile);
  };

  for (const user of readJsonIfExists<UsersFile>(path)?.users ?? []) remember(user);

  return {
    all: () => [...byId.values()].map((user) => ({ ...user })),
    get(id) {
      const user = byId.get(id);
      return user ? { ...user } : undefined;
    },
    findByEmail(email) {
      const id = byEmail.get(emailKey(email));
      const user = id === undefined ? undefined : byId.get(id);
      return user ? { ...user } : undefined;
    },
    save: (user) => saveMany([user]),
    saveMany,
  };
}
