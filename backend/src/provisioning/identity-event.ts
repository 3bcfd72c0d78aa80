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

// Node 20 has String.prototype.isWellFormed; TypeScript declares it only from lib ES2024.
declare global {
  interface String {
    isWellFormed(): boolean;
  }
}

// Text Postgres cannot store: jsonb and text reject NUL, and UTF-8 has no lone surrogates.
const hasUnstorable = (value: string) => value.includes('\u0000') || !value.isWellFormed();
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const storable = (value: string) => (hasUnstorable(value) ? value.replace(UNSTORABLE, '') : value);

/**
 * A copy of a payload with only the keys `keep` accepts and every string (key or value) passed
 * through `text`, at any depth.
 */
function copyPayload(
  value: unknown,
  keep: (key: string) => boolean,
  text: (value: string) => string,
): unknown {
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) return value.map((item) => copyPayload(item, keep, text));
  if (value && typeof value === 'object') {
    // Object.fromEntries defines every key as data: a payload's `__proto__` key (JSON.parse makes
    // it an own property) stays a key of the copy instead of becoming the copy's prototype.
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => keep(key))
        .map(([key, inner]) => [text(key), copyPayload(inner, keep, text)]),
    );
  }
  return value;
}

/**
 * Does every key and string of a payload pass these checks, at any depth? Most payloads need no
 * rewrite, and this check allocates nothing: the copies below are made only when it fails (a copy
 * of every payload cost about 15% of the backfill's CPU).
 */
function passes(
  value: unknown,
  keyOk: (key: string) => boolean,
  textOk: (value: string) => boolean,
): boolean {
  if (typeof value === 'string') return textOk(value);
  if (Array.isArray(value)) return value.every((item) => passes(item, keyOk, textOk));
  if (value && typeof value === 'object') {
    const source = value as Record<string, unknown>;
    return Object.keys(source).every((key) => keyOk(key) && passes(source[key], keyOk, textOk));
  }
  return true;
}

const isPublic = (key: string) => !SECRET_KEY.test(key);
const isStorable = (value: string) => !hasUnstorable(value);

/** The payload with every secret-looking field removed, at any depth. */
export function stripSecrets(value: unknown): unknown {
  if (passes(value, isPublic, () => true)) return value;
  return copyPayload(value, isPublic, (text) => text);
}

// The years an RFC 3339 date can name and Postgres can store (it has no year 0). Parsed from text:
// Date.UTC reads the years 0 to 99 as 1900 to 1999, which made the bound 1901.
const EARLIEST_TIME = Date.parse('0001-01-01T00:00:00Z');
const LATEST_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/** Why an event cannot be applied at all, or undefined when it can. */
export function whyInvalid(event: IdentityEvent): string | undefined {
  if (!Number.isSafeInteger(event.sequence) || event.sequence < 1) return 'sequence out of range';
  const time = Date.parse(event.createdAt);
  if (Number.isNaN(time) || time < EARLIEST_TIME || time > LATEST_TIME) {
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
  if (passes(event.payload, isStorable, isStorable)) return event;
  const payload = copyPayload(event.payload, () => true, storable) as Record<string, unknown>;
  return { ...event, payload };
}
