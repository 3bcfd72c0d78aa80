import type { EventEditor, EventLog } from './event-log';
import { DEV_ADMIN_EDITOR } from './fixed-identities';
import { generateId } from './id-generator';
import { hashPassword } from './password-hash';
import { requireEmail, UserAccountError } from './user-account-input';
import { addHumanUserEvents } from './user-events';
import type { StoredUser, UserStore } from './user-store';

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

/** What a burst writes through: UserAccounts' store and event log, and its id and email checks. */
export interface BurstTarget {
  store: UserStore;
  events: EventLog;
  newUserId(): string;
  assertEmailFree(email: string): void;
}

/**
 * DEV-ONLY: creates `count` users as ZITADEL's AddHumanUser would, each with `user.human.added`
 * and (when `emailVerified`) `user.human.email.verified`. `perSecond` undefined writes them all
 * in ONE transaction (one creation date, like a bulk import); otherwise one command per user,
 * paced at that rate. Every user gets the same password (hashed once: hashing per user would
 * take minutes).
 */
export async function writeBurst(deps: BurstTarget, options: BurstOptions): Promise<BurstResult> {
  const count = options.count;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_BURST) {
    throw new UserAccountError('invalid_argument', `count must be 1..${MAX_BURST}`, 'count');
  }
  if (
    options.perSecond !== undefined &&
    !(Number.isFinite(options.perSecond) && options.perSecond > 0 && options.perSecond <= 100_000)
  ) {
    throw new UserAccountError('invalid_argument', 'perSecond must be in (0, 100000]', 'perSecond');
  }
  const prefix = options.emailPrefix ?? `burst-${generateId().slice(-6)}`;
  const emailOf = (index: number) => requireEmail(`${prefix}-${index}@burst.example`);
  for (let index = 0; index < count; index++) deps.assertEmailFree(emailOf(index));
  const passwordHash = await hashPassword(BURST_PASSWORD);
  const editor = options.editor ?? DEV_ADMIN_EDITOR;
  const build = (index: number): StoredUser => ({
    id: deps.newUserId(),
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
      !(Number.isFinite(options.lateByMs) && options.lateByMs > 0 && options.lateByMs <= 3_600_000))
  ) {
    throw new UserAccountError(
      'invalid_argument',
      'lateByMs must be in (0, 3600000] and needs a one-transaction burst',
      'lateByMs',
    );
  }
  if (options.perSecond === undefined) {
    const users = Array.from({ length: count }, (_, index) => build(index));
    const events = deps.events.appendCommand(
      users.flatMap((user) => addHumanUserEvents(user, editor)),
      options.lateByMs === undefined
        ? {}
        : { lateByMicros: BigInt(Math.round(options.lateByMs * 1000)) },
    );
    const at = events[0]?.creationDate ?? '';
    created.push(...users.map((user) => dated(user, at)));
    deps.store.saveMany(created);
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
        const [added] = deps.events.appendCommand(addHumanUserEvents(user, editor), {
          atMicros: startMicros + BigInt(Math.round(index * intervalMicros)),
        });
        batch.push(dated(user, added?.creationDate ?? ''));
      }
      if (batch.length > 0) {
        created.push(...batch);
        deps.store.saveMany(batch);
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
