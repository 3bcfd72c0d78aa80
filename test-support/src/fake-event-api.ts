import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import { type ListEventsRequest, ListEventsRequestSchema } from '@zitadel/proto/zitadel/admin_pb';
import type { EventJson } from '@zitadel/proto/zitadel/event_pb';
import type { UserJson } from '@zitadel/proto/zitadel/user/v2/user_pb';
import { answerListUsers, type ListUsersFaults, TEST_ORG_ID } from './fake-list-users';
import {
  EVENT_SEARCH_PATH,
  eventJson,
  eventSearchWindow,
  INVALID_TOKEN_ERROR,
  inWindow,
  parseMicros,
} from './zitadel-event-api';

export interface StoredEvent {
  /** The aggregate's id: a user's, or an organisation's for `org.*` events. */
  userId: string;
  /** `user` unless said. */
  aggregateType?: 'user' | 'org';
  /** The aggregate's resource owner (for a user: its organisation). */
  resourceOwner?: string;
  sequence: number;
  type: string;
  creationDate: string;
  payload?: Record<string, unknown>;
}

const micros = (timestamp: { seconds: bigint; nanos: number } | undefined) =>
  timestamp && timestamp.seconds !== 0n
    ? Number(timestamp.seconds) * 1e6 + Math.floor(timestamp.nanos / 1000)
    : undefined;

/**
 * A scriptable ZITADEL Event API (`POST /admin/v1/events/_search`) over real HTTP, for histories a
 * test writes event by event. Requests parse with ZITADEL's own schema (@zitadel/proto) and are
 * answered with ZITADEL's rules (`eventSearchWindow`), events ordered by creation date, then as
 * pushed. A PAT is required.
 * `failOn(n)` makes the n-th request (0-based) answer 503. The local identity provider is the
 * faithful stand-in for whole histories; this one is for hand-made events.
 */
export async function startTestEventApi(pat = 'test-pat') {
  const events: StoredEvent[] = [];
  const requests: Record<string, unknown>[] = [];
  let failOnRequest = -1;
  // ListUsers (`POST /v2/users`): the users it lists, and the faults a test may script.
  const listed: UserJson[] = [];
  const listUsersRequests: JsonObject[] = [];
  const listUsersFaults: ListUsersFaults = { failures: 0 };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/v2/users' && req.method === 'POST') {
      if (req.headers.authorization !== `Bearer ${pat}`) {
        return json(401, INVALID_TOKEN_ERROR);
      }
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as JsonObject;
      listUsersRequests.push(body);
      if (listUsersFaults.failures > 0) {
        listUsersFaults.failures--;
        return json(503, { code: 14, message: 'unavailable' });
      }
      try {
        return json(200, answerListUsers(listed, body, listUsersFaults));
      } catch (error) {
        return json(400, { code: 3, message: (error as Error).message, details: [] });
      }
    }
    if (req.url !== EVENT_SEARCH_PATH || req.method !== 'POST') return json(404, {});
    if (req.headers.authorization !== `Bearer ${pat}`) return json(401, INVALID_TOKEN_ERROR);
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
    requests.push(body);
    if (requests.length - 1 === failOnRequest)
      return json(503, { code: 14, message: 'unavailable' });
    let request: ListEventsRequest;
    try {
      request = fromJson(ListEventsRequestSchema, body as JsonObject, {
        ignoreUnknownFields: true,
      });
    } catch (error) {
      return json(400, { code: 3, message: (error as Error).message, details: [] });
    }
    const filter = request.creationDateFilter;
    const window = eventSearchWindow({
      asc: request.asc,
      limit: request.limit,
      from: filter.case === 'from' ? micros(filter.value) : undefined,
      range:
        filter.case === 'range'
          ? { since: micros(filter.value.since), until: micros(filter.value.until) }
          : undefined,
    });
    const selected = events
      .map((event, index) => ({ event, index, at: parseMicros(event.creationDate) }))
      .filter(({ event, at }) => {
        if (!inWindow(window, at)) return false;
        if (request.eventTypes.length > 0 && !request.eventTypes.includes(event.type)) return false;
        if (request.aggregateId && event.userId !== request.aggregateId) return false;
        const aggregateType = event.aggregateType ?? 'user';
        if (request.aggregateTypes.length > 0 && !request.aggregateTypes.includes(aggregateType))
          return false;
        return true;
      })
      .sort((a, b) => a.at - b.at || a.index - b.index);
    if (!window.asc) selected.reverse();
    json(200, {
      events: selected.slice(0, window.limit).map(
        ({ event }): EventJson =>
          eventJson({
            aggregateId: event.userId,
            aggregateType: event.aggregateType ?? 'user',
            resourceOwner: event.resourceOwner ?? TEST_ORG_ID,
            sequence: event.sequence,
            creationDate: event.creationDate,
            payload: event.payload ?? {},
            type: event.type,
          }) as EventJson,
      ),
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pat,
    events,
    requests,
    /** What ListUsers lists: ZITADEL's user projection (removed users are simply absent). */
    listed,
    listUsersRequests,
    listUsersFaults,
    failOn(requestIndex: number) {
      failOnRequest = requestIndex;
    },
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
