import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import {
  type ListEventsRequest,
  ListEventsRequestSchema,
  type ListEventsResponseJson,
} from '@zitadel/proto/zitadel/admin_pb';
import type { EventJson } from '@zitadel/proto/zitadel/event_pb';
import type { EventLog, LoggedEvent } from './event-log';
import { timestampToNanos } from './event-time';

/**
 * ZITADEL's `POST /admin/v1/events/_search` (zitadel.admin.v1.AdminService/ListEvents), with the
 * request and response types generated from ZITADEL's own protos (@zitadel/proto). Semantics from
 * ZITADEL's source, internal/api/grpc/admin/event.go (eventRequestToFilter) and the eventstore's
 * search query (internal/eventstore/repository/search_query.go):
 * - newest first unless `asc`; ascending, `from` means `created_at > from`, descending
 *   `created_at < from` (CreationDateAfter / CreationDateBefore, OperationGreater / OperationLess);
 * - `range {since, until}` is strict on both ends and, when set, `from` (and the deprecated
 *   `creation_date`) are ignored; the zero time and the Unix epoch's first second mean "not set";
 * - `sequence` keeps events with a sequence greater than it; `limit` 0 or above 1000 becomes 1000;
 * - within one creation date, events keep the order they were written in (in_tx_order).
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
  /**
   * Strict bounds in microseconds. ZITADEL stores microseconds, and a finer bound is truncated to
   * them on its way to Postgres (pgx encodes timestamptz as microseconds).
   */
  createdAfterMicros: bigint | undefined;
  createdBeforeMicros: bigint | undefined;
}

/** A request rejected like grpc-gateway would (code 3 = INVALID_ARGUMENT). */
export class InvalidEventSearch extends Error {}

// internal/eventstore/search_query.go: CreationDateAfter/Before ignore IsZero() and Unix() == 0.
function instant(timestamp: { seconds: bigint; nanos: number } | undefined): bigint | undefined {
  if (!timestamp || timestamp.seconds === 0n) return undefined;
  return timestampToNanos(timestamp) / 1000n;
}

export function parseEventSearchRequest(body: unknown): EventSearchQuery {
  let request: ListEventsRequest;
  const fields = body && typeof body === 'object' ? Object.keys(body) : [];
  if (fields.includes('range') && fields.includes('from')) {
    // Go's protojson refuses two members of one oneof (creation_date_filter); protobuf-es would
    // let the last one win.
    throw new InvalidEventSearch(
      'invalid ListEventsRequest: oneof creation_date_filter is already set',
    );
  }
  try {
    // grpc-gateway accepts the proto names and their lowerCamelCase JSON names, like fromJson.
    request = fromJson(ListEventsRequestSchema, body as JsonObject, { ignoreUnknownFields: true });
  } catch (error) {
    throw new InvalidEventSearch(`invalid ListEventsRequest: ${(error as Error).message}`);
  }
  let from = instant(request.creationDate);
  let since: bigint | undefined;
  let until: bigint | undefined;
  const filter = request.creationDateFilter;
  if (filter.case === 'from') from = instant(filter.value) ?? from;
  if (filter.case === 'range') {
    from = undefined;
    since = instant(filter.value.since);
    until = instant(filter.value.until);
  }
  let after = since;
  let before = until;
  if (from !== undefined) {
    if (request.asc) after = from;
    else before = from;
  }
  const limit = request.limit;
  return {
    limit: limit === 0 || limit > MAX_EVENT_LIMIT ? MAX_EVENT_LIMIT : limit,
    asc: request.asc,
    eventTypes: request.eventTypes,
    aggregateTypes: request.aggregateTypes,
    aggregateId: request.aggregateId || undefined,
    resourceOwner: request.resourceOwner || undefined,
    editorUserId: request.editorUserId || undefined,
    sequenceGreaterThan: Number(request.sequence),
    createdAfterMicros: after,
    createdBeforeMicros: before,
  };
}

function matches(event: LoggedEvent, query: EventSearchQuery): boolean {
  if (query.eventTypes.length > 0 && !query.eventTypes.includes(event.type)) return false;
  if (query.aggregateTypes.length > 0 && !query.aggregateTypes.includes(event.aggregateType))
    return false;
  if (query.aggregateId !== undefined && event.aggregateId !== query.aggregateId) return false;
  if (query.resourceOwner !== undefined && event.resourceOwner !== query.resourceOwner)
    return false;
  if (query.editorUserId !== undefined && event.editor.userId !== query.editorUserId) return false;
  return event.sequence > query.sequenceGreaterThan;
}

/** The matching events, in the requested order, at most `limit`. */
export function searchEvents(log: EventLog, query: EventSearchQuery): LoggedEvent[] {
  const events = log.all();
  const first =
    query.createdAfterMicros === undefined ? 0 : log.firstAtOrAfter(query.createdAfterMicros + 1n);
  const end =
    query.createdBeforeMicros === undefined
      ? events.length
      : log.firstAtOrAfter(query.createdBeforeMicros);
  const found: LoggedEvent[] = [];
  if (query.asc) {
    for (let index = first; index < end && found.length < query.limit; index++) {
      const event = events[index] as LoggedEvent;
      if (matches(event, query)) found.push(event);
    }
  } else {
    for (let index = end - 1; index >= first && found.length < query.limit; index--) {
      const event = events[index] as LoggedEvent;
      if (matches(event, query)) found.push(event);
    }
  }
  return found;
}

/** zitadel.event.v1.Event in proto JSON: uint64 as strings, types wrapped in `{type}`. */
export function toEventApiEvent(event: LoggedEvent): EventJson {
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
    ...(event.payload ? { payload: event.payload as JsonObject } : {}),
    type: { type: event.type },
  };
}

export function listEvents(log: EventLog, body: unknown): ListEventsResponseJson {
  return { events: searchEvents(log, parseEventSearchRequest(body)).map(toEventApiEvent) };
}
