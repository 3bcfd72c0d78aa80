import type { AppendInput, EventEditor, EventLog } from './event-log.ts';
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

/** The largest burst the dev admin API writes at once. */
export const MAX_BURST = 200_000;
/** The password every burst user shares (dev-only; it satisfies the password policy). */
export const BURST_PASSWORD = 'Burst-password-1';
const BURST_TICK_MS = 20;

export interface BurstOptions {
  count: number;
  /** Users per second, one command each; undefined: all in one transaction. */
  perSecond?: number;
  /** Default true: each user also gets `user.human.email.verified` in its command. */
  emailVerified?: boolean;
  /** Emails are `<prefix>-<index>@burst.example`. */
  emailPrefix?: string;
  /**
   * One transaction only: it started this many milliseconds ago and commits now, so its creation
   * date lies before events already written (a late-committing transaction).
   */
  lateByMs?: number;
  editor?: EventEditor;
}

export interface BurstResult {
  users: { id: string; email: string }[];
  password: string;
  firstCreationDate: string;
  lastCreationDate: string;
}

/**
 * The events ZITADEL's AddHumanUser writes in one command: `user.human.added`, then
 * `user.human.email.verified` (created verified) or `user.human.email.code.added` (a verification
 * code is sent; the code itself is a secret and never logged here).
 */
function addHumanUserEvents(
  user: StoredUser,
  editor: EventEditor,
  sendCode = false,
): AppendInput[] {
  const followUp: AppendInput[] = user.emailVerified
    ? [{ aggregateId: user.id, type: 'user.human.email.verified', editor }]
    : sendCode
      ? [
          {
            aggregateId: user.id,
            type: 'user.human.email.code.added',
            editor,
            // Go's time.Duration in nanoseconds (3 days), as ZITADEL marshals `expiry`.
            payload: { expiry: 259_200_000_000_000, codeReturned: false },
          },
        ]
      : [];
  return [
    {
      aggregateId: user.id,
      type: 'user.human.added',
      editor,
      payload: {
        userName: user.email,
        firstName: user.givenName,
        lastName: user.familyName,
        displayName: displayName(user),
        preferredLanguage: 'en',
        email: user.email,
      },
    },
    ...followUp,
  ];
}

/**
 * User lifecycle: validation, persistence and the ZITADEL-shaped events each change produces. Every
 * way of changing a user (registration page, dev admin API, programmatic handle) goes through here so
 * the event log is always complete.
 */
export class UserAccounts {
  readonly #store: UserStore;
  readonly #events: EventLog;

  readonly #beforeRegister: ((input: NewUserInput) => Promise<NewUserInput>) | undefined;

  /** `beforeRegister`: the AddHumanUser request execution (action-targets.ts), which may refuse. */
  constructor(
    store: UserStore,
    events: EventLog,
    beforeRegister?: (input: NewUserInput) => Promise<NewUserInput>,
  ) {
    this.#store = store;
    this.#events = events;
    this.#beforeRegister = beforeRegister;
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
  async register(input: NewUserInput): Promise<User> {
    const checked = this.#beforeRegister ? await this.#beforeRegister(input) : input;
    // Login V2's registration calls AddHumanUser asking for a verification code to be sent.
    return this.create({ ...checked, emailVerified: false }, LOGIN_CLIENT_EDITOR, {
      sendCode: true,
    });
  }

  async create(
    input: NewUserInput,
    editor: EventEditor = DEV_ADMIN_EDITOR,
    options: { sendCode?: boolean; orgId?: string } = {},
  ): Promise<User> {
    const email = requireEmail(input.email);
    const givenName = requireName(input.givenName, 'givenName');
    const familyName = requireName(input.familyName, 'familyName');
    const password = requirePassword(input.password);
    this.#assertEmailFree(email);
    const passwordHash = await hashPassword(password);
    // Checked again: another registration for the same email may have finished while we hashed.
    this.#assertEmailFree(email);

    const user: StoredUser = {
      id: this.#newUserId(),
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
    const [added] = this.#events.appendCommand(
      addHumanUserEvents(user, editor, options.sendCode === true).map((input) =>
        options.orgId ? { ...input, resourceOwner: options.orgId } : input,
      ),
    );
    const stored = {
      ...user,
      createdAt: added?.creationDate ?? '',
      updatedAt: added?.creationDate ?? '',
    };
    this.#store.save(stored);
    return toPublicUser(stored);
  }

  /**
   * DEV-ONLY: creates `count` users as ZITADEL's AddHumanUser would, each with `user.human.added`
   * and (when `emailVerified`) `user.human.email.verified`. `perSecond` undefined writes them all
   * in ONE transaction (one creation date, like a bulk import); otherwise one command per user,
   * paced at that rate. Every user gets the same password (hashed once: hashing per user would
   * take minutes).
   */
  async createBurst(options: BurstOptions): Promise<BurstResult> {
    const count = options.count;
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_BURST) {
      throw new UserAccountError('invalid_argument', `count must be 1..${MAX_BURST}`, 'count');
    }
    if (
      options.perSecond !== undefined &&
      !(Number.isFinite(options.perSecond) && options.perSecond > 0 && options.perSecond <= 100_000)
    ) {
      throw new UserAccountError(
        'invalid_argument',
        'perSecond must be in (0, 100000]',
        'perSecond',
      );
    }
    const prefix = options.emailPrefix ?? `burst-${generateId().slice(-6)}`;
    const emailOf = (index: number) => requireEmail(`${prefix}-${index}@burst.example`);
    for (let index = 0; index < count; index++) this.#assertEmailFree(emailOf(index));
    const passwordHash = await hashPassword(BURST_PASSWORD);
    const editor = options.editor ?? DEV_ADMIN_EDITOR;
    const build = (index: number): StoredUser => ({
      id: this.#newUserId(),
      email: emailOf(index),
      emailVerified: options.emailVerified !== false,
      givenName: 'Burst',
      familyName: `User ${index}`,
      passwordHash,
      createdAt: '',
      updatedAt: '',
      state: 'active',
    });
    const created: StoredUser[] = [];
    const dated = (user: StoredUser, creationDate: string) => ({
      ...user,
      createdAt: creationDate,
      updatedAt: creationDate,
    });

    if (
      options.lateByMs !== undefined &&
      (options.perSecond !== undefined ||
        !(
          Number.isFinite(options.lateByMs) &&
          options.lateByMs > 0 &&
          options.lateByMs <= 3_600_000
        ))
    ) {
      throw new UserAccountError(
        'invalid_argument',
        'lateByMs must be in (0, 3600000] and needs a one-transaction burst',
        'lateByMs',
      );
    }
    if (options.perSecond === undefined) {
      const users = Array.from({ length: count }, (_, index) => build(index));
      const events = this.#events.appendCommand(
        users.flatMap((user) => addHumanUserEvents(user, editor)),
        options.lateByMs === undefined
          ? {}
          : { lateByMicros: BigInt(Math.round(options.lateByMs * 1000)) },
      );
      const at = events[0]?.creationDate ?? '';
      created.push(...users.map((user) => dated(user, at)));
      this.#store.saveMany(created);
    } else {
      const intervalMicros = 1_000_000 / options.perSecond;
      const startMicros = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
      const startedAt = performance.now();
      while (created.length < count) {
        // Every user due by now, each its own command at its own instant, then one file rewrite.
        const due = Math.min(
          count,
          Math.floor(((performance.now() - startedAt) / 1000) * options.perSecond) + 1,
        );
        const batch: StoredUser[] = [];
        for (let index = created.length; index < due; index++) {
          const user = build(index);
          const [added] = this.#events.appendCommand(addHumanUserEvents(user, editor), {
            atMicros: startMicros + BigInt(Math.round(index * intervalMicros)),
          });
          batch.push(dated(user, added?.creationDate ?? ''));
        }
        if (batch.length > 0) {
          created.push(...batch);
          this.#store.saveMany(batch);
        }
        if (created.length < count)
          await new Promise((resolve) => setTimeout(resolve, BURST_TICK_MS));
      }
    }
    return {
      users: created.map((user) => ({ id: user.id, email: user.email })),
      password: BURST_PASSWORD,
      firstCreationDate: created[0]?.createdAt ?? '',
      lastCreationDate: created.at(-1)?.createdAt ?? '',
    };
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

    const command: AppendInput[] = [];
    if (givenName !== user.givenName || familyName !== user.familyName) {
      command.push({
        aggregateId: id,
        type: 'user.human.profile.changed',
        editor,
        payload: {
          ...(givenName !== user.givenName ? { firstName: givenName } : {}),
          ...(familyName !== user.familyName ? { lastName: familyName } : {}),
          displayName: displayName({ givenName, familyName }),
        },
      });
      user = { ...user, givenName, familyName };
    }
    if (emailChanges) {
      command.push({
        aggregateId: id,
        type: 'user.human.email.changed',
        editor,
        payload: { email },
      });
      user = { ...user, email, emailVerified: false };
    }
    if (patch.emailVerified === true && !user.emailVerified) {
      command.push({ aggregateId: id, type: 'user.human.email.verified', editor });
      user = { ...user, emailVerified: true };
    }
    if (passwordHash !== undefined) {
      command.push({
        aggregateId: id,
        type: 'user.human.password.changed',
        editor,
        payload: { changeRequired: false },
      });
      user = { ...user, passwordHash };
    }
    // One request is one command: all its events share one creation date, as in ZITADEL.
    const [first] = this.#events.appendCommand(command);
    if (first) {
      user = { ...user, updatedAt: first.creationDate };
      this.#store.save(user);
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
    const [event] = this.#events.appendCommand([{ aggregateId: id, type, editor }]);
    const changed = { ...user, state: to, updatedAt: event?.creationDate ?? user.updatedAt };
    this.#store.save(changed);
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
