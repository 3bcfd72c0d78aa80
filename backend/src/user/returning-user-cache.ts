import { LRUCache } from 'lru-cache';
import type { DatabaseHandle } from '../db/open-database';
import type { UserRow } from '../db/schema';
import type { Logger } from '../logger';

/** The channel drizzle/0002_users_changed_notify.sql notifies with the changed user's `sub`. */
export const USERS_CHANGED_CHANNEL = 'users_changed';

/**
 * Rows of returning users, so that their sign-in needs no database round trip
 * (docs/decisions/027). An entry is dropped when any replica commits a change to its row
 * (LISTEN/NOTIFY), and in any case at most `maxAgeMs` after it was read: the bound on staleness
 * if the listening connection is lost without this process noticing.
 */
export interface ReturningUserCache {
  /** The row last read for this subject, while nothing says it has changed since. */
  get(zitadelUserId: string): UserRow | undefined;
  /** Call before reading a row; pass the result to remember(). */
  beginRead(): number;
  /**
   * Keeps a row read since `readStarted`, unless a change to it was announced meanwhile. Only
   * active, claimed rows are kept: anything else must go to the database each time.
   */
  remember(user: UserRow, readStarted: number): void;
}

export interface ReturningUserCacheOptions {
  database: Pick<DatabaseHandle, 'listen'>;
  logger: Logger;
  /** RETURNING_USER_CACHE_MS; 0 turns the cache off. */
  maxAgeMs: number;
  maxEntries?: number;
  now?: () => number;
}

/** RETURNING_USER_CACHE_MS when unset. */
export const DEFAULT_RETURNING_USER_CACHE_MS = 30_000;

// Announced changes remembered per user, to refuse rows read before them; past this many the
// whole history is dropped and every read still in flight is refused instead.
const CHANGE_HISTORY_ENTRIES = 10_000;

export function createReturningUserCache(options: ReturningUserCacheOptions): ReturningUserCache {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  // Least recently used goes first: a user signing in often stays however many others pass.
  const entries = new LRUCache<string, { user: UserRow; until: number }>({ max: maxEntries });
  // Every announcement advances `clock`; `changedAt` says when each user last changed, and reads
  // that began before `floor` are refused outright.
  let clock = 0;
  let floor = Number.POSITIVE_INFINITY;
  const changedAt = new Map<string, number>();

  if (options.maxAgeMs > 0) {
    options.database
      .listen(USERS_CHANGED_CHANNEL, {
        onPayload(zitadelUserId) {
          clock++;
          entries.delete(zitadelUserId);
          if (changedAt.size >= CHANGE_HISTORY_ENTRIES) {
            changedAt.clear();
            floor = clock;
          }
          changedAt.set(zitadelUserId, clock);
        },
        onListening() {
          // Whatever was announced while nobody listened is unknown: start again.
          clock++;
          entries.clear();
          changedAt.clear();
          floor = clock;
        },
      })
      .catch((error: unknown) => {
        options.logger.warn(
          { err: error },
          'cannot listen for user changes: returning users are read from the database each time',
        );
      });
  }

  return {
    get(zitadelUserId) {
      const entry = entries.get(zitadelUserId);
      if (!entry) return undefined;
      if (entry.until > now()) return entry.user;
      entries.delete(zitadelUserId);
      return undefined;
    },
    beginRead: () => clock,
    remember(user, readStarted) {
      if (readStarted < floor) return;
      if ((changedAt.get(user.zitadelUserId) ?? Number.NEGATIVE_INFINITY) > readStarted) return;
      if (user.state !== 'active' || user.claimId === null) return;
      // Rows read together (a deploy, a burst of sign-ins) must not all expire together and send
      // every caller to the database at once: each lives between 80 % and all of the bound.
      const age = options.maxAgeMs * (0.8 + 0.2 * Math.random());
      entries.set(user.zitadelUserId, { user, until: now() + age });
    },
  };
}
