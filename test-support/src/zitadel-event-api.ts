// ZITADEL's Event API (`POST /admin/v1/events/_search`, zitadel.admin.v1.AdminService/ListEvents)
// as the test stand-ins answer it: the paging rules and the JSON shape, written down once from
// ZITADEL's rules (internal/api/grpc/admin/event.go; "Event API" in the shared ZITADEL notes).
// The local identity provider's Event API is product code with its own contract tests.

export const EVENT_SEARCH_PATH = '/admin/v1/events/_search';

/** A page never holds more; `limit` 0 or above it reads this many. */
export const MAX_EVENT_LIMIT = 1000;

/** ZITADEL's answer to a missing or wrong personal access token (gRPC-gateway error shape). */
export const INVALID_TOKEN_ERROR = { code: 16, message: 'Errors.Token.Invalid (AUTH-7fs1e)' };

/**
 * An RFC 3339 date (0 to 9 fractional digits, UTC) as microseconds since the epoch, or NaN.
 * ZITADEL stores creation dates with microsecond precision and pages by them.
 */
export function parseMicros(text: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(text);
  if (!match) return Number.NaN;
  const fraction = (match[2] ?? '').padEnd(6, '0').slice(0, 6);
  return Date.parse(`${match[1]}Z`) * 1000 + Number(fraction);
}

/** `2025-09-05T08:55:36.156333Z`: six fractional digits, as ZITADEL writes creation dates. */
export function formatMicros(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const iso = new Date(millis).toISOString();
  return `${iso.slice(0, 23)}${String(micros - millis * 1000).padStart(3, '0')}Z`;
}

/** The creation dates one request reads (both bounds strict), its order and its page size. */
export interface EventSearchWindow {
  after?: number;
  before?: number;
  asc: boolean;
  limit: number;
}

/**
 * ZITADEL's rules for one ListEvents request, dates in microseconds: newest first unless `asc`;
 * `from` is exclusive, a lower bound ascending and an upper bound descending; `range` is strict on
 * both ends and, when set, `from` is ignored; `limit` 0 or above 1000 reads 1000.
 */
export function eventSearchWindow(request: {
  asc?: boolean;
  limit?: number;
  from?: number;
  range?: { since?: number; until?: number };
}): EventSearchWindow {
  const asc = request.asc ?? false;
  const limit = !request.limit || request.limit > MAX_EVENT_LIMIT ? MAX_EVENT_LIMIT : request.limit;
  if (request.range) {
    return { after: request.range.since, before: request.range.until, asc, limit };
  }
  return asc ? { after: request.from, asc, limit } : { before: request.from, asc, limit };
}

/** True when a creation date (microseconds) lies inside the window. */
export function inWindow(window: EventSearchWindow, at: number): boolean {
  return (
    (window.after === undefined || at > window.after) &&
    (window.before === undefined || at < window.before)
  );
}

/** One event in the Event API's JSON: uint64 as strings, the type wrapped, no global position. */
export function eventJson(event: {
  aggregateId: string;
  aggregateType: string;
  resourceOwner: string;
  sequence: number;
  creationDate: string;
  type: string;
  payload?: Record<string, unknown>;
}) {
  return {
    editor: {
      userId: '336392597046755331',
      displayName: 'login-client',
      service: 'zitadel.user.v2.UserService',
    },
    aggregate: {
      id: event.aggregateId,
      type: { type: event.aggregateType },
      resourceOwner: event.resourceOwner,
    },
    sequence: String(event.sequence),
    creationDate: event.creationDate,
    ...(event.payload ? { payload: event.payload } : {}),
    type: { type: event.type },
  };
}
