import type { LoggedEvent } from './event-log.ts';
import { parseRfc3339ToNanos } from './event-time.ts';

/**
 * ZITADEL's `POST /admin/v1/events/_search` (admin.proto ListEvents) semantics, mirrored from
 * internal/api/grpc/admin/event.go: newest first unless `asc`; `from` means "after" when ascending
 * and "before" when descending; `range` replaces `from`; `sequence` means "greater than"; limit
 * 0 or above 1000 becomes 1000.
 */
export const MAX_EVENT_LIMIT = 1000;

export interface EventSearchQuery {
  limit: number;
  asc: boolean;
  eventTypes: string[];
  aggregateTypes: string[];
  aggregateId: string | undefined;
  resourceOwner: string | undefined;
  editorUserId: string | undefined;
  sequenceGreaterThan: number;
  createdAfterNanos: bigint | undefined;
  createdBeforeNanos: bigint | undefined;
}

/** A request rejected like grpc-gateway would (code 3 = INVALID_ARGUMENT). */
export class InvalidEventSearch extends Error {}

// grpc-gateway accepts both the proto field names and their lowerCamelCase JSON names.
function pick(body: Record<string, unknown>, ...names: string[]): unknown {
  for (const name of names) if (body[name] !== undefined && body[name] !== null) return body[name];
  return undefined;
}

function asString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidEventSearch(`${field} must be a string`);
  return value;
}

function asStringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new InvalidEventSearch(`${field} must be an array of strings`);
  }
  return value as string[];
}

/** uint32/uint64 fields arrive as numbers or (uint64 in proto JSON) decimal strings. */
function asUnsigned(value: unknown, field: string): number {
  if (value === undefined) return 0;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) {
    throw new InvalidEventSearch(`${field} must be an unsigned integer`);
  }
  return number;
}

function asBoolean(value: unknown, field: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new InvalidEventSearch(`${field} must be a boolean`);
  return value;
}

function asTimestamp(value: unknown, field: string): bigint | undefined {
  if (value === undefined || value === '') return undefined;
  const nanos = typeof value === 'string' ? parseRfc3339ToNanos(value) : undefined;
  if (nanos === undefined) throw new InvalidEventSearch(`${field} must be an RFC 3339 timestamp`);
  // ZITADEL ignores the zero time and the Unix epoch as "not set".
  return nanos === 0n || nanos < 1_000_000_000n ? undefined : nanos;
}

export function parseEventSearchRequest(body: Record<string, unknown>): EventSearchQuery {
  const limit = asUnsigned(pick(body, 'limit'), 'limit');
  const asc = asBoolean(pick(body, 'asc'), 'asc');
  let from = asTimestamp(pick(body, 'creation_date', 'creationDate'), 'creation_date');
  from = asTimestamp(pick(body, 'from'), 'from') ?? from;
  let since: bigint | undefined;
  let until: bigint | undefined;
  const range = pick(body, 'range');
  if (range !== undefined) {
    if (typeof range !== 'object' || Array.isArray(range))
      throw new InvalidEventSearch('range must be an object');
    // With a range, `from` (and the deprecated creation_date) are ignored.
    from = undefined;
    since = asTimestamp((range as Record<string, unknown>).since, 'range.since');
    until = asTimestamp((range as Record<string, unknown>).until, 'range.until');
  }
  let createdAfterNanos = since;
  let createdBeforeNanos = until;
  if (from !== undefined) {
    if (asc)
      createdAfterNanos =
        createdAfterNanos === undefined || from > createdAfterNanos ? from : createdAfterNanos;
    else
      createdBeforeNanos =
        createdBeforeNanos === undefined || from < createdBeforeNanos ? from : createdBeforeNanos;
  }
  return {
    limit: limit === 0 || limit > MAX_EVENT_LIMIT ? MAX_EVENT_LIMIT : limit,
    asc,
    eventTypes: asStringList(pick(body, 'event_types', 'eventTypes'), 'event_types'),
    aggregateTypes: asStringList(
      pick(body, 'aggregate_types', 'aggregateTypes'),
      'aggregate_types',
    ),
    aggregateId: asString(pick(body, 'aggregate_id', 'aggregateId'), 'aggregate_id'),
    resourceOwner: asString(pick(body, 'resource_owner', 'resourceOwner'), 'resource_owner'),
    editorUserId: asString(pick(body, 'editor_user_id', 'editorUserId'), 'editor_user_id'),
    sequenceGreaterThan: asUnsigned(pick(body, 'sequence'), 'sequence'),
    createdAfterNanos,
    createdBeforeNanos,
  };
}

export function searchEvents(
  events: readonly LoggedEvent[],
  query: EventSearchQuery,
): LoggedEvent[] {
  const matches = events.filter((event) => {
    if (query.eventTypes.length > 0 && !query.eventTypes.includes(event.type)) return false;
    if (query.aggregateTypes.length > 0 && !query.aggregateTypes.includes(event.aggregateType))
      return false;
    if (query.aggregateId !== undefined && event.aggregateId !== query.aggregateId) return false;
    if (query.resourceOwner !== undefined && event.resourceOwner !== query.resourceOwner)
      return false;
    if (query.editorUserId !== undefined && event.editor.userId !== query.editorUserId)
      return false;
    if (event.sequence <= query.sequenceGreaterThan) return false;
    const created = parseRfc3339ToNanos(event.creationDate) ?? 0n;
    if (query.createdAfterNanos !== undefined && created <= query.createdAfterNanos) return false;
    if (query.createdBeforeNanos !== undefined && created >= query.createdBeforeNanos) return false;
    return true;
  });
  // The log is in append order, which is also creation-date order.
  if (!query.asc) matches.reverse();
  return matches.slice(0, query.limit);
}

/** admin.v1 Event in proto JSON: uint64 as strings, enums-like types wrapped in `{type}`. */
export function toEventApiEvent(event: LoggedEvent): Record<string, unknown> {
  return {
    editor: {
      userId: event.editor.userId,
      displayName: event.editor.displayName,
      service: event.editor.service,
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
