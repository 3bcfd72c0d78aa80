import type { EventEditor, EventLog } from './event-log';
import { DEV_ADMIN_EDITOR, LOGIN_CLIENT_EDITOR } from './fixed-identities';
import { generateId } from './id-generator';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './password-hash';
import {
  DUPLICATE_EMAIL_MESSAGE,
  requireEmail,
  requireName,
  requirePassword,
  UserAccountError,
} from './user-account-input';
import { type BurstOptions, type BurstResult, writeBurst } from './user-burst';
import { addHumanUserEvents, userChangeEvents } from './user-events';
import { STATE_TRANSITIONS, type StateTransition } from './user-state-transitions';
import { emailKey, type StoredUser, toPublicUser, type User, type UserStore } from './user-store';

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

/**
 * User lifecycle: validation, persistence and the ZITADEL-shaped events each change produces. Every
 * way of changing a user (registration page, dev admin API, programmatic handle) goes through here so
 * the event log is always complete.
 */
export interface UserAccounts {
  list(): User[];
  get(id: string): User | undefined;
  findByEmail(email: string): User | undefined;
  /** Self-registration from the hosted registration page (editor: the login client, like Login V2). */
  register(input: NewUserInput): Promise<User>;
  create(
    input: NewUserInput,
    editor?: EventEditor,
    options?: { sendCode?: boolean; orgId?: string },
  ): Promise<User>;
  /** DEV-ONLY: a burst of users written as AddHumanUser writes them (user-burst.ts). */
  createBurst(options: BurstOptions): Promise<BurstResult>;
  update(id: string, patch: UserPatch, editor?: EventEditor): Promise<User>;
  deactivate(id: string, editor?: EventEditor): User;
  reactivate(id: string, editor?: EventEditor): User;
  lock(id: string, editor?: EventEditor): User;
  unlock(id: string, editor?: EventEditor): User;
  remove(id: string, editor?: EventEditor): User;
  /** Checks a login; the same work is done for unknown emails so timing reveals nothing. */
  authenticate(email: string, password: string): Promise<AuthenticationResult>;
}

/** `beforeRegister`: the AddHumanUser request execution (action-targets.ts), which may refuse. */
export function createUserAccounts(
  store: UserStore,
  events: EventLog,
  beforeRegister?: (input: NewUserInput) => Promise<NewUserInput>,
): UserAccounts {
  function requireExisting(id: string): StoredUser {
    const user = store.get(id);
    if (!user || user.state === 'removed')
      throw new UserAccountError('not_found', 'User not found');
    return user;
  }

  function assertEmailFree(email: string): void {
    if (store.findByEmail(email))
      throw new UserAccountError('already_exists', DUPLICATE_EMAIL_MESSAGE, 'email');
  }

  function newUserId(): string {
    let id = generateId();
    while (store.get(id)) id = generateId();
    return id;
  }

  function changeState(id: string, transition: StateTransition, editor: EventEditor): User {
    const user = requireExisting(id);
    if (!transition.from.includes(user.state))
      throw new UserAccountError('failed_precondition', transition.conflictMessage);
    const [event] = events.appendCommand([{ aggregateId: id, type: transition.type, editor }]);
    const changed = {
      ...user,
      state: transition.to,
      updatedAt: event?.creationDate ?? user.updatedAt,
    };
    store.save(changed);
    return toPublicUser(changed);
  }

  async function create(
    input: NewUserInput,
    editor: EventEditor = DEV_ADMIN_EDITOR,
    options: { sendCode?: boolean; orgId?: string } = {},
  ): Promise<User> {
    const email = requireEmail(input.email);
    const givenName = requireName(input.givenName, 'givenName');
    const familyName = requireName(input.familyName, 'familyName');
    const password = requirePassword(input.password);
    assertEmailFree(email);
    const passwordHash = await hashPassword(password);
    // Checked again: another registration for the same email may have finished while we hashed.
    assertEmailFree(email);

    const user: StoredUser = {
      id: newUserId(),
      email,
      emailVerified: input.emailVerified === true,
      givenName,
      familyName,
      passwordHash,
      createdAt: '',
      updatedAt: '',
      state: 'active',
      ...(options.orgId ? { orgId: options.orgId } : {}),
    };
    const [added] = events.appendCommand(
      addHumanUserEvents(user, editor, options.sendCode === true).map((input) =>
        options.orgId ? { ...input, resourceOwner: options.orgId } : input,
      ),
    );
    const stored = {
      ...user,
      createdAt: added?.creationDate ?? '',
      updatedAt: added?.creationDate ?? '',
    };
    store.save(stored);
    return toPublicUser(stored);
  }

  return {
    list: () => store.all().map(toPublicUser),
    get(id) {
      const user = store.get(id);
      return user ? toPublicUser(user) : undefined;
    },
    findByEmail(email) {
      const user = store.findByEmail(email);
      return user ? toPublicUser(user) : undefined;
    },
    async register(input) {
      const checked = beforeRegister ? await beforeRegister(input) : input;
      // Login V2's registration calls AddHumanUser asking for a verification code to be sent.
      return create({ ...checked, emailVerified: false }, LOGIN_CLIENT_EDITOR, {
        sendCode: true,
      });
    },
    create,
    createBurst: (options) => writeBurst({ store, events, newUserId, assertEmailFree }, options),
    async update(id, patch, editor = DEV_ADMIN_EDITOR) {
      let user = requireExisting(id);
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
      if (emailChanges && emailKey(email) !== emailKey(user.email)) assertEmailFree(email);
      const passwordHash = password === undefined ? undefined : await hashPassword(password);
      user = requireExisting(id);

      const { emailVerified } = patch;
      const change = { givenName, familyName, email, emailChanges, emailVerified, passwordHash };
      const changed = userChangeEvents(user, change, editor);
      user = changed.user;
      // One request is one command: all its events share one creation date, as in ZITADEL.
      const [first] = events.appendCommand(changed.command);
      if (first) {
        user = { ...user, updatedAt: first.creationDate };
        store.save(user);
      }
      return toPublicUser(user);
    },
    deactivate: (id, editor = DEV_ADMIN_EDITOR) =>
      changeState(id, STATE_TRANSITIONS.deactivate, editor),
    reactivate: (id, editor = DEV_ADMIN_EDITOR) =>
      changeState(id, STATE_TRANSITIONS.reactivate, editor),
    lock: (id, editor = DEV_ADMIN_EDITOR) => changeState(id, STATE_TRANSITIONS.lock, editor),
    unlock: (id, editor = DEV_ADMIN_EDITOR) => changeState(id, STATE_TRANSITIONS.unlock, editor),
    remove: (id, editor = DEV_ADMIN_EDITOR) => changeState(id, STATE_TRANSITIONS.remove, editor),
    async authenticate(email, password) {
      const user = typeof email === 'string' && email.trim() ? store.findByEmail(email) : undefined;
      if (!user) {
        await verifyAgainstDecoy(password);
        return { ok: false, reason: 'invalid_credentials' };
      }
      if (!(await verifyPassword(password, user.passwordHash)))
        return { ok: false, reason: 'invalid_credentials' };
      if (user.state === 'locked') return { ok: false, reason: 'locked' };
      if (user.state === 'inactive') return { ok: false, reason: 'inactive' };
      return { ok: true, user: toPublicUser(user) };
    },
  };
}
