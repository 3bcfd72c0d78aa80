import { ERASED_FIELDS, type FieldChanges } from './user-fields';

/**
 * A ZITADEL event about a user, whichever way it arrived (Actions v2 webhook or Event API).
 * `sequence` counts per aggregate; (aggregateType, aggregateId, sequence) identifies the event.
 */
export interface IdentityEvent {
  aggregateType: string;
  aggregateId: string;
  sequence: number;
  eventType: string;
  resourceOwner: string | null;
  /** RFC 3339 with ZITADEL's microseconds, kept as text so no precision is lost. */
  createdAt: string;
  payload: Record<string, unknown>;
}

export const HANDLED_EVENT_TYPES = [
  'user.human.added',
  'user.human.selfregistered',
  'user.human.profile.changed',
  'user.human.email.changed',
  'user.human.email.verified',
  'user.deactivated',
  'user.reactivated',
  'user.locked',
  'user.unlocked',
  'user.removed',
] as const;

const handled = new Set<string>(HANDLED_EVENT_TYPES);

export function isHandled(event: Pick<IdentityEvent, 'aggregateType' | 'eventType'>): boolean {
  return event.aggregateType === 'user' && handled.has(event.eventType);
}

export const HUMAN_EVENT_PREFIX = 'user.human.';

/**
 * May this event create the app user? The app provisions people: only an event of ZITADEL's
 * `user.human.` family proves the user is human. The state events (`user.deactivated`,
 * `user.locked`, `user.removed`, …) are shared with machine users, so they only update a user the
 * app already has (ZITADEL: internal/repository/user/{human,machine,user}.go).
 */
export function createsUser(event: Pick<IdentityEvent, 'eventType'>): boolean {
  return event.eventType.startsWith(HUMAN_EVENT_PREFIX);
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** What an event changes on the app user; the caller has already checked `isHandled`. */
export function changesFromEvent(event: IdentityEvent): FieldChanges {
  const p = event.payload;
  switch (event.eventType) {
    case 'user.human.added':
    case 'user.human.selfregistered': {
      const givenName = text(p.firstName) ?? '';
      const familyName = text(p.lastName) ?? '';
      return {
        email: text(p.email) ?? null,
        // Verification is its own later event (`user.human.email.verified`).
        emailVerified: p.isEmailVerified === true,
        givenName,
        familyName,
        displayName: text(p.displayName) || `${givenName} ${familyName}`.trim(),
        state: 'active',
      };
    }
    case 'user.human.profile.changed':
      // Only the fields that changed are in the payload.
      return dropUndefined({
        givenName: text(p.firstName),
        familyName: text(p.lastName),
        displayName: text(p.displayName),
      });
    case 'user.human.email.changed':
      return { email: text(p.email) ?? null, emailVerified: false };
    case 'user.human.email.verified':
      return { emailVerified: true };
    case 'user.deactivated':
      return { state: 'inactive' };
    case 'user.reactivated':
    case 'user.unlocked':
      return { state: 'active' };
    case 'user.locked':
      return { state: 'locked' };
    case 'user.removed':
      // Erasure: the removal is the newest write of every personal field, so no older event
      // arriving later can bring a name or address back.
      return { ...ERASED_FIELDS, state: 'removed' };
    default:
      return {};
  }
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// Keys whose values are credentials or hashes. ZITADEL's `user.human.added` carries the password
// hash as `encodedHash` (older: `secret`); none of it is ever stored or logged.
const SECRET_KEY = /hash|secret|password|token|otp|code|key/i;

/**
 * The payload with every secret-looking field removed, at any depth. Only what holds a secret is
 * copied: a clean payload (most events) comes back as it is, with no allocation.
 */
export function stripSecrets(value: unknown): unknown {
  return rewrite(value, SECRET_KEY_ONLY);
}

// Text Postgres cannot store (jsonb and text reject NUL; UTF-8 has no lone surrogates).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Most text holds neither NUL nor any surrogate: one character-class scan rules it out before the
// pairing rules are looked at.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point.
const MAY_BE_UNSTORABLE = /[\u0000\ud800-\udfff]/;
const hasUnstorable = (value: string) =>
  MAY_BE_UNSTORABLE.test(value) && value.search(UNSTORABLE) !== -1;

/**
 * How a payload is rewritten: each key is kept (and renamed) or dropped, each string replaced.
 * `rewrite` copies only the arrays and objects where something changed, so the rewrites cost a
 * walk, not a deep copy, on the many payloads they leave alone.
 */
interface Rewrite {
  /** The key to store instead, or undefined to drop the entry. */
  key(key: string): string | undefined;
  text(value: string): string;
}

const SECRET_KEY_ONLY: Rewrite = {
  key: (key) => (SECRET_KEY.test(key) ? undefined : key),
  text: (value) => value,
};

const STORABLE: Rewrite = {
  key: (key) => (hasUnstorable(key) ? key.replace(UNSTORABLE, '') : key),
  text: (value) => (hasUnstorable(value) ? value.replace(UNSTORABLE, '') : value),
};

// A payload's `__proto__` key is data (JSON.parse makes it an own property): kept as one, not
// taken for the copy's prototype.
function put(target: Record<string, unknown>, key: string, value: unknown) {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

function rewrite(value: unknown, how: Rewrite): unknown {
  if (typeof value === 'string') return how.text(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const inner: unknown = value[index];
      const next = rewrite(inner, how);
      if (next !== inner) {
        copy ??= value.slice();
        copy[index] = next;
      }
    }
    return copy ?? value;
  }
  if (value && typeof value === 'object') {
    const source = value as Record<string, unknown>;
    const keys = Object.keys(source);
    let copy: Record<string, unknown> | undefined;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string;
      const inner = source[key];
      const nextKey = how.key(key);
      const next = nextKey === undefined ? undefined : rewrite(inner, how);
      if (copy === undefined && (nextKey !== key || next !== inner)) {
        // The first change: the entries before it carry over as they were.
        copy = {};
        for (let before = 0; before < index; before++) {
          const kept = keys[before] as string;
          put(copy, kept, source[kept]);
        }
      }
      if (copy !== undefined && nextKey !== undefined) put(copy, nextKey, next);
    }
    return copy ?? value;
  }
  return value;
}

/** Why an event cannot be applied at all, or undefined when it can. */
export function whyInvalid(event: IdentityEvent): string | undefined {
  if (!Number.isSafeInteger(event.sequence) || event.sequence < 1) return 'sequence out of range';
  const time = Date.parse(event.createdAt);
  // Postgres timestamps start at 4713 BC, but a ZITADEL event is never older than year 1.
  if (Number.isNaN(time) || time < Date.UTC(1, 0, 1) || time > Date.UTC(9999, 11, 31)) {
    return 'creation date out of range';
  }
  if (!event.aggregateId || event.aggregateId.length > 200) return 'aggregate id out of range';
  // An id is a key: rewritten to something storable it would name another user ('x\udfff' → 'x').
  if (
    hasUnstorable(event.aggregateType) ||
    hasUnstorable(event.aggregateId) ||
    hasUnstorable(event.eventType) ||
    (event.resourceOwner !== null && hasUnstorable(event.resourceOwner))
  ) {
    return 'id or type holds text Postgres cannot store';
  }
  return undefined;
}

/**
 * The event with text Postgres cannot store removed from its payload (ids are refused instead, by
 * whyInvalid). One such event must not fail a whole page of the reconciler (it would be re-read,
 * and fail, forever).
 */
export function storableEvent(event: IdentityEvent): IdentityEvent {
  const payload = rewrite(event.payload, STORABLE) as Record<string, unknown>;
  return payload === event.payload ? event : { ...event, payload };
}
