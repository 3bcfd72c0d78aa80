import http from 'node:http';
import https from 'node:https';
import type {
  ListEventsRequestJson,
  ListEventsResponseJson,
} from '@zitadel/proto/zitadel/admin_pb';
import type { EventJson } from '@zitadel/proto/zitadel/event_pb';
import type {
  ListUsersRequestJson,
  ListUsersResponse,
} from '@zitadel/proto/zitadel/user/v2/user_service_pb';
import type { IdentityEvent } from '../provisioning/identity-event';
import { formatMicros, type Micros, parseMicros } from './event-instant';
import { type ListedPage, parseListedUsers } from './parse-listed-users';

/** ZITADEL's page size limit for the Event API (internal/api/grpc/admin/event.go, maxLimit). */
export const MAX_EVENTS_PER_PAGE = 1000;

/** One `POST /admin/v1/events/_search`, in the terms the sync thinks in. */
export interface EventSearch {
  asc: boolean;
  /** Exclusive lower bound, sent as `from` (ascending only: ZITADEL reads it as `created_at >`). */
  after?: Micros;
  /** Strict bounds, sent as `range {since, until}`. */
  range?: { since: Micros; until: Micros };
  eventTypes: readonly string[];
  aggregateId?: string;
  /** `user` unless said: the sync reads user events, and `org.removed` apart (read-org-removals.ts). */
  aggregateType?: 'user' | 'org';
  limit: number;
}

/** An event as read from the Event API, with its creation date in microseconds. */
export type ReadEvent = IdentityEvent & { readonly micros: Micros };

export interface ZitadelClient {
  /** Where requests go, for messages. */
  readonly url: string;
  listEvents(search: EventSearch, signal?: AbortSignal): Promise<ReadEvent[]>;
  /** User API v2 ListUsers (`POST /v2/users`), parsed with ZITADEL's own schema. */
  listUsers(request: ListUsersRequestJson, signal?: AbortSignal): Promise<ListUsersResponse>;
  /** The same call, read field by field into what the app keeps (the sweep reads every user). */
  listUserPage(request: ListUsersRequestJson, signal?: AbortSignal): Promise<ListedPage>;
}

export type ZitadelApiFailure = 'unreachable' | 'timeout' | 'http' | 'malformed';

export class ZitadelApiError extends Error {
  override name = 'ZitadelApiError';
  constructor(
    message: string,
    readonly failure: ZitadelApiFailure,
    /** Worth trying again: a 5xx, a timeout, a broken page. A refused PAT or request is not. */
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The request body; typed by ZITADEL's proto (admin.proto ListEventsRequest, JSON mapping). */
export function eventSearchBody(search: EventSearch): ListEventsRequestJson {
  return {
    asc: search.asc,
    limit: Math.min(search.limit, MAX_EVENTS_PER_PAGE),
    aggregateTypes: [search.aggregateType ?? 'user'],
    eventTypes: [...search.eventTypes],
    ...(search.aggregateId ? { aggregateId: search.aggregateId } : {}),
    ...(search.range
      ? {
          range: {
            since: formatMicros(search.range.since),
            until: formatMicros(search.range.until),
          },
        }
      : search.after !== undefined && search.after > 0
        ? { from: formatMicros(search.after) }
        : {}),
  };
}

const malformed = (why: string) =>
  new ZitadelApiError(`Event API page is malformed: ${why}`, 'malformed', true);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a page against ZITADEL's Event message (event.proto) and against the search that asked
 * for it — order, bounds, filters, size — field by field rather than through the generated
 * schema: at 1000 events a page, protobuf-es' fromJson costs more than applying the page.
 */
export function parseEventsPage(json: unknown, search: EventSearch): ReadEvent[] {
  if (!isObject(json)) throw malformed('not a JSON object');
  const raw = (json as ListEventsResponseJson).events ?? [];
  if (!Array.isArray(raw)) throw malformed('`events` is not a list');
  if (raw.length > Math.min(search.limit, MAX_EVENTS_PER_PAGE)) {
    throw malformed(`${raw.length} events for a limit of ${search.limit}`);
  }
  const types = search.eventTypes.length > 0 ? new Set(search.eventTypes) : undefined;
  const events: ReadEvent[] = new Array(raw.length);
  let previous = search.asc ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (let index = 0; index < raw.length; index++) {
    const event = raw[index] as EventJson;
    if (!isObject(event)) throw malformed(`event ${index} is not an object`);
    const aggregate = event.aggregate;
    const aggregateId = aggregate?.id;
    const aggregateType = aggregate?.type?.type;
    const eventType = event.type?.type;
    const sequence = Number(event.sequence);
    const createdAt = event.creationDate;
    if (typeof aggregateId !== 'string' || aggregateId === '')
      throw malformed(`event ${index} has no aggregate id`);
    if (typeof aggregateType !== 'string') throw malformed(`event ${index} has no aggregate type`);
    if (typeof eventType !== 'string') throw malformed(`event ${index} has no type`);
    if (typeof event.sequence !== 'string' || !Number.isSafeInteger(sequence) || sequence < 1)
      throw malformed(`event ${index} has sequence ${JSON.stringify(event.sequence)}`);
    if (typeof createdAt !== 'string') throw malformed(`event ${index} has no creation date`);
    const micros = parseMicros(createdAt);
    if (Number.isNaN(micros)) throw malformed(`event ${index} has creation date ${createdAt}`);
    if (event.payload !== undefined && !isObject(event.payload))
      throw malformed(`event ${index} has a payload that is not an object`);
    const owner = aggregate?.resourceOwner;
    if (owner !== undefined && typeof owner !== 'string')
      throw malformed(`event ${index} has a resource owner that is not a string`);
    // The page must be the answer to the question: sorted, inside the bounds, of the types asked.
    if (search.asc ? micros < previous : micros > previous)
      throw malformed(`event ${index} is out of creation-date order`);
    previous = micros;
    if (search.after !== undefined && search.asc && micros <= search.after)
      throw malformed(`event ${index} is not after ${formatMicros(search.after)}`);
    if (search.range && (micros <= search.range.since || micros >= search.range.until))
      throw malformed(`event ${index} is outside the requested range`);
    if (types && !types.has(eventType))
      throw malformed(`event ${index} has unrequested type ${eventType}`);
    if (aggregateType !== (search.aggregateType ?? 'user'))
      throw malformed(`event ${index} is about a ${aggregateType}`);
    if (search.aggregateId !== undefined && aggregateId !== search.aggregateId)
      throw malformed(`event ${index} is about another aggregate`);
    events[index] = {
      aggregateType,
      aggregateId,
      sequence,
      eventType,
      resourceOwner: owner ?? null,
      createdAt,
      payload: (event.payload as Record<string, unknown> | undefined) ?? {},
      micros,
    };
  }
  return events;
}

export function createZitadelClient(options: {
  apiUrl: string;
  pat: string;
  /** A request that has not answered by then is abandoned (and retried by the caller). */
  timeoutMs?: number;
}): ZitadelClient {
  const base = options.apiUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 15_000;

  // node:http with a keep-alive agent rather than fetch: a backfill makes a hundred requests of a
  // megabyte each, and fetch's Headers/streams machinery cost more CPU than the requests.
  const target = new URL(base);
  const transport = target.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 4 });

  function send(path: string, payload: string, signal: AbortSignal) {
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = transport.request(
        new URL(`${target.pathname.replace(/\/+$/, '')}${path}`, target),
        {
          method: 'POST',
          agent,
          signal,
          headers: {
            authorization: `Bearer ${options.pat}`,
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (response) => {
          // Decoded as it arrives: no megabyte Buffer to concatenate and decode at the end.
          response.setEncoding('utf8');
          let text = '';
          response.on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          response.on('error', reject);
          response.on('close', () => {
            if (!response.complete) reject(new Error('the connection closed mid-answer'));
          });
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  async function post(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: { status: number; text: string };
    try {
      response = await send(path, JSON.stringify(body), combined);
    } catch (error) {
      if (signal?.aborted) throw error;
      if (timeout.aborted) {
        throw new ZitadelApiError(`${path} did not answer within ${timeoutMs} ms`, 'timeout', true);
      }
      throw new ZitadelApiError(`${path} unreachable: ${String(error)}`, 'unreachable', true);
    }
    const { status, text } = response;
    if (status < 200 || status > 299) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // not JSON: keep the text
      }
      // 5xx and 429 pass; a refused PAT (401/403) or request (400) needs a person.
      const retryable = status >= 500 || status === 429;
      throw new ZitadelApiError(
        `${path} answered HTTP ${status}: ${message}`,
        'http',
        retryable,
        status,
      );
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new ZitadelApiError(`${path} answered with a body that is not JSON`, 'malformed', true);
    }
  }

  return {
    url: base,
    async listEvents(search, signal) {
      const json = await post('/admin/v1/events/_search', eventSearchBody(search), signal);
      return parseEventsPage(json, search);
    },
    async listUserPage(request, signal) {
      const json = await post('/v2/users', request, signal);
      return parseListedUsers(
        json,
        (why) => new ZitadelApiError(`ListUsers answer is malformed: ${why}`, 'malformed', true),
      );
    },
    async listUsers(request, signal) {
      const json = await post('/v2/users', request, signal);
      // Loaded on first use: the user service's descriptors are only needed for dense instants
      // and drift checks.
      const [{ fromJson }, { ListUsersResponseSchema }] = await Promise.all([
        import('@bufbuild/protobuf'),
        import('@zitadel/proto/zitadel/user/v2/user_service_pb'),
      ]);
      try {
        return fromJson(ListUsersResponseSchema, json as never, { ignoreUnknownFields: true });
      } catch (error) {
        throw new ZitadelApiError(
          `ListUsers answer is malformed: ${(error as Error).message}`,
          'malformed',
          true,
        );
      }
    },
  };
}
