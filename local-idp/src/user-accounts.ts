import type { EventEditor, EventLog } from './event-log.ts';
import { DEV_ADMIN_EDITOR, LOGIN_CLIENT_EDITOR } from './fixed-identities.ts';
import { generateId } from './id-generator.ts';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './password-hash.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import {
  emailKey,
  type StoredUser,
  toPublicUser,
  type User,
  type UserState,
  type UserStore,
} from './user-store.ts';

export type UserAccountErrorCode =
  | 'invalid_argument'
  | 'already_exists'
  | 'not_found'
  | 'failed_precondition';

export const DUPLICATE_EMAIL_MESSAGE = 'An account with this email already exists';

/** A rejected user change; `field` names the offending input so forms can highlight it. */
export class UserAccountError extends Error {
  readonly code: UserAccountErrorCode;
  readonly field: string | undefined;

  constructor(code: UserAccountErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'UserAccountError';
    this.code = code;
    this.field = field;
  }
}

export interface NewUserInput {
  email: string;
  password: string;
  givenName: string;
  familyName: string;
  emailVerified?: boolean;
}

export interface UserPatch {
  email?: string;
  givenName?: string;
  familyName?: string;
  emailVerified?: boolean;
  password?: string;
}

export type AuthenticationResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid_credentials' | 'locked' | 'inactive' };

// Permissive like ZITADEL's own check (a dotless domain such as `localhost` is fine).
const EMAIL_PATTERN =
  /^[^\s@]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function requireEmail(value: unknown): string {
  const email = typeof value === 'string' ? value.trim() : '';
  if (!email) throw new UserAccountError('invalid_argument', 'Email is required', 'email');
  if (!EMAIL_PATTERN.test(email))
    throw new UserAccountError('invalid_argument', 'Enter a valid email address', 'email');
  return email;
}

export function requireName(value: unknown, field: 'givenName' | 'familyName'): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (!name) {
    throw new UserAccountError(
      'invalid_argument',
      `${field === 'givenName' ? 'Given name' : 'Family name'} is required`,
      field,
    );
  }
  if (name.length > 200)
    throw new UserAccountError('invalid_argument', `${field} is too long`, field);
  return name;
}

function requirePassword(value: unknown): string {
  const password = typeof value === 'string' ? value : '';
  const problem = checkPasswordPolicy(password);
  if (problem) throw new UserAccountError('invalid_argument', problem, 'password');
  return password;
}

export function displayName(user: Pick<StoredUser, 'givenName' | 'familyName'>): string {
  return `${user.givenName} ${user.familyName}`.trim();
}

/**
 * User lifecycle: validation, persistence and the ZITADEL-shaped events each change produces. Every
 * way of changing a user (registration page, dev admin API, programmatic handle) goes through here so
 * the event log is always complete.
 */
export class UserAccounts {
  readonly #store: UserStore;
  readonly #events: EventLog;

  constructor(store: UserStore, events: EventLog) {
    this.#store = store;
    this.#events = events;
  }

  list(): User[] {
    return this.#store.all().map(toPublicUser);
  }

  get(id: string): User | undefined {
    const user = this.#store.get(id);
    return user ? toPublicUser(user) : undefined;
  }

  findByEmail(email: string): User | undefined {
    const user = this.#store.findByEmail(email);
    return user ? toPublicUser(user) : undefined;
  }

  /** Self-registration from the hosted registration page (editor: the login client, like Login V2). */
  register(input: NewUserInput): Promise<User> {
    return this.create({ ...input, emailVerified: false }, LOGIN_CLIENT_EDITOR);
  }

  async create(input: NewUserInput, editor: EventEditor = DEV_ADMIN_EDITOR): Promise<User> {
    const email = requireEmail(input.email);
    const givenName = requireName(input.givenName, 'givenName');
    const familyName = requireName(input.familyName, 'familyName');
    const password = requirePassword(input.password);
    this.#assertEmailFree(email);
    const passwordHash = await hashPassword(password);
    // Checked again: another registration for the same email may have finished while we hashed.
    this.#assertEmailFree(email);

    const now = new Date().toISOString();
    const user: StoredUser = {
      id: this.#newUserId(),
      email,
      emailVerified: false,
      givenName,
      familyName,
      passwordHash,
      createdAt: now,
      updatedAt: now,
      state: 'active',
    };
    this.#store.save(user);
    this.#events.append({
      aggregateId: user.id,
      type: 'user.human.added',
      editor,
      payload: {
        userName: email,
        firstName: givenName,
        lastName: familyName,
        displayName: displayName(user),
        preferredLanguage: 'en',
        email,
      },
    });
    // ZITADEL records verification as its own event even when the user is created verified.
    if (input.emailVerified === true) return this.#markEmailVerified(user, editor);
    return toPublicUser(user);
  }

  async update(
    id: string,
    patch: UserPatch,
    editor: EventEditor = DEV_ADMIN_EDITOR,
  ): Promise<User> {
    let user = this.#requireExisting(id);
    const givenName =
      patch.givenName === undefined ? user.givenName : requireName(patch.givenName, 'givenName');
    const familyName =
      patch.familyName === undefined
        ? user.familyName
        : requireName(patch.familyName, 'familyName');
    const email = patch.email === undefined ? user.email : requireEmail(patch.email);
    const password = patch.password === undefined ? undefined : requirePassword(patch.password);
    if (patch.emailVerified !== undefined && typeof patch.emailVerified !== 'boolean') {
      throw new UserAccountError(
        'invalid_argument',
        'emailVerified must be a boolean',
        'emailVerified',
      );
    }
    const emailChanges = email !== user.email;
    if (patch.emailVerified === false && !emailChanges && user.emailVerified) {
      // ZITADEL has no "unverify" event: only an email change resets verification.
      throw new UserAccountError(
        'failed_precondition',
        'emailVerified can only be reset by changing the email',
        'emailVerified',
      );
    }
    if (emailChanges && emailKey(email) !== emailKey(user.email)) this.#assertEmailFree(email);
    const passwordHash = password === undefined ? undefined : await hashPassword(password);
    user = this.#requireExisting(id);

    if (givenName !== user.givenName || familyName !== user.familyName) {
      const changed = { ...user, givenName, familyName, updatedAt: new Date().toISOString() };
      this.#store.save(changed);
      this.#events.append({
        aggregateId: id,
        type: 'user.human.profile.changed',
        editor,
        payload: {
          ...(givenName !== user.givenName ? { firstName: givenName } : {}),
          ...(familyName !== user.familyName ? { lastName: familyName } : {}),
          displayName: displayName(changed),
        },
      });
      user = changed;
    }
    if (emailChanges) {
      user = { ...user, email, emailVerified: false, updatedAt: new Date().toISOString() };
      this.#store.save(user);
      this.#events.append({
        aggregateId: id,
        type: 'user.human.email.changed',
        editor,
        payload: { email },
      });
    }
    if (patch.emailVerified === true && !user.emailVerified) {
      user = this.#storedVerified(user, editor);
    }
    if (passwordHash !== undefined) {
      user = { ...user, passwordHash, updatedAt: new Date().toISOString() };
      this.#store.save(user);
      this.#events.append({
        aggregateId: id,
        type: 'user.human.password.changed',
        editor,
        payload: { changeRequired: false },
      });
    }
    return toPublicUser(user);
  }

  deactivate(id: string, editor: EventEditor = DEV_ADMIN_EDITOR): User {
    return this.#transition(
      id,
      ['active', 'locked'],
      'inactive',
      'user.deactivated',
      'User is already deactivated',
      editor,
    );
  }

  reactivate(id: string, editor: EventEditor = DEV_ADMIN_EDITOR): User {
    return this.#transition(
      id,
      ['inactive'],
      'active',
      'user.reactivated',
      'User is not deactivated',
      editor,
    );
  }

  lock(id: string, editor: EventEditor = DEV_ADMIN_EDITOR): User {
    return this.#transition(
      id,
      ['active'],
      'locked',
      'user.locked',
      'Only active users can be locked',
      editor,
    );
  }

  unlock(id: string, editor: EventEditor = DEV_ADMIN_EDITOR): User {
    return this.#transition(
      id,
      ['locked'],
      'active',
      'user.unlocked',
      'User is not locked',
      editor,
    );
  }

  remove(id: string, editor: EventEditor = DEV_ADMIN_EDITOR): User {
    return this.#transition(
      id,
      ['active', 'inactive', 'locked'],
      'removed',
      'user.removed',
      'User is already removed',
      editor,
    );
  }

  /** Checks a login; the same work is done for unknown emails so timing reveals nothing. */
  async authenticate(email: string, password: string): Promise<AuthenticationResult> {
    const user =
      typeof email === 'string' && email.trim() ? this.#store.findByEmail(email) : undefined;
    if (!user) {
      await verifyAgainstDecoy(password);
      return { ok: false, reason: 'invalid_credentials' };
    }
    if (!(await verifyPassword(password, user.passwordHash)))
      return { ok: false, reason: 'invalid_credentials' };
    if (user.state === 'locked') return { ok: false, reason: 'locked' };
    if (user.state === 'inactive') return { ok: false, reason: 'inactive' };
    return { ok: true, user: toPublicUser(user) };
  }

  #markEmailVerified(user: StoredUser, editor: EventEditor): User {
    return toPublicUser(this.#storedVerified(user, editor));
  }

  #storedVerified(user: StoredUser, editor: EventEditor): StoredUser {
    const verified = { ...user, emailVerified: true, updatedAt: new Date().toISOString() };
    this.#store.save(verified);
    this.#events.append({ aggregateId: user.id, type: 'user.human.email.verified', editor });
    return verified;
  }

  #transition(
    id: string,
    from: UserState[],
    to: UserState,
    type:
      | 'user.deactivated'
      | 'user.reactivated'
      | 'user.locked'
      | 'user.unlocked'
      | 'user.removed',
    conflictMessage: string,
    editor: EventEditor,
  ): User {
    const user = this.#requireExisting(id);
    if (!from.includes(user.state))
      throw new UserAccountError('failed_precondition', conflictMessage);
    const changed = { ...user, state: to, updatedAt: new Date().toISOString() };
    this.#store.save(changed);
    this.#events.append({ aggregateId: id, type, editor });
    return toPublicUser(changed);
  }

  #requireExisting(id: string): StoredUser {
    const user = this.#store.get(id);
    if (!user || user.state === 'removed')
      throw new UserAccountError('not_found', 'User not found');
    return user;
  }

  #assertEmailFree(email: string): void {
    if (this.#store.findByEmail(email))
      throw new UserAccountError('already_exists', DUPLICATE_EMAIL_MESSAGE, 'email');
  }

  #newUserId(): string {
    let id = generateId();
    while (this.#store.get(id)) id = generateId();
    return id;
  }
}
