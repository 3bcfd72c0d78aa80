import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EVENT_SEARCH_PATH,
  eventJson,
  eventSearchWindow,
  formatMicros,
  INVALID_TOKEN_ERROR,
  parseMicros,
} from '@liverty-music/test-support/zitadel-event-api';
import { monotonicMicros } from './summarize-cpu-profile';

/** One synthetic user, in the fields ListUsers, the Event API and COPY need. */
export interface SyntheticUser {
  userId: string;
  /** Creation date (of `user.human.added`) in microseconds since the epoch. */
  micros: number;
  creationDate: string;
  email: string;
  firstName: string;
  lastName: string;
  /** True when the history also verifies the email (sequence 2). */
  verified: boolean;
}

/** One synthetic event; `json` is its Event API form, serialised once. */
export interface SyntheticEvent {
  userId: string;
  sequence: number;
  type: 'user.human.added' | 'user.human.email.verified';
  micros: number;
  creationDate: string;
  payload?: Record<string, unknown>;
  json: string;
}

export interface SyntheticHistory {
  /** Sorted by creation date, events of one instant in write order. */
  events: SyntheticEvent[];
  /** Sorted by creation date. */
  users: SyntheticUser[];
  /** Instants holding more than one page of events. */
  denseInstants: number;
}

export const SYNTHETIC_ORG_ID = '336392597046099971';

function user(index: number, micros: number, verified: boolean): SyntheticUser {
  return {
    userId: String(600_000_000_000_000_000n + BigInt(index)),
    micros,
    creationDate: formatMicros(micros),
    email: `user${index}@backfill.example`,
    firstName: 'Backfill',
    lastName: `User ${index}`,
    verified,
  };
}

function eventsOf(u: SyntheticUser): SyntheticEvent[] {
  const payload = {
    userName: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    displayName: `${u.firstName} ${u.lastName}`,
    preferredLanguage: 'en',
    email: u.email,
    // ZITADEL includes the password hash; the backend must strip it before storing anything.
    encodedHash: '$2a$14$C5WTDc1W3Bq1D5wbEzaWBeHGm6XIsKzXAmnHDBtkzWuNtN4UaUxyi',
  };
  const event = (
    sequence: number,
    type: SyntheticEvent['type'],
    body?: Record<string, unknown>,
  ): SyntheticEvent => ({
    userId: u.userId,
    sequence,
    type,
    micros: u.micros,
    creationDate: u.creationDate,
    ...(body ? { payload: body } : {}),
    json: JSON.stringify(
      eventJson({
        aggregateId: u.userId,
        aggregateType: 'user',
        resourceOwner: SYNTHETIC_ORG_ID,
        sequence,
        creationDate: u.creationDate,
        ...(body ? { payload: body } : {}),
        type,
      }),
    ),
  });
  return u.verified
    ? [event(1, 'user.human.added', payload), event(2, 'user.human.email.verified')]
    : [event(1, 'user.human.added', payload)];
}

function historyOf(users: SyntheticUser[], denseInstants: number): SyntheticHistory {
  return { users, events: users.flatMap(eventsOf), denseInstants };
}

/**
 * `count` signups, one every 100 ms, each one `user.human.added` at its own instant: 100,000 span
 * about 2.8 hours, so the backfill's 1 s overlap re-reads about ten events per page.
 */
export function sparseHistory(count: number): SyntheticHistory {
  const first = (Date.now() - 24 * 3600 * 1000) * 1000;
  return historyOf(
    Array.from({ length: count }, (_, i) => user(i, first + i * 100_000 + (i % 997), false)),
    0,
  );
}

/**
 * About `events` events the way a busy launch writes them: signups at 10,000 a second, each
 * writing `user.human.added` and `user.human.email.verified` at one instant, and two bulk
 * imports of 2,500 users in one transaction each (5,000 events at one instant: more than the
 * Event API can page through, so they come through ListUsers).
 */
export function denseHistory(events: number): SyntheticHistory {
  const bulk = 2500;
  const first = (Date.now() - 3600 * 1000) * 1000;
  const signups = Math.max(0, Math.floor((events - 4 * bulk) / 2));
  const users: SyntheticUser[] = [];
  let at = first;
  const bulkAt = [Math.floor(signups / 3), Math.floor((2 * signups) / 3)];
  for (let i = 0; i < signups; i++) {
    if (bulkAt.includes(i)) {
      at += 100;
      for (let j = 0; j < bulk; j++) users.push(user(users.length, at, true));
    }
    at += 100; // 10,000 signups a second
    users.push(user(users.length, at, true));
  }
  return historyOf(users, bulkAt.length);
}

interface SearchBody {
  asc?: boolean;
  limit?: number;
  from?: string;
  range?: { since?: string; until?: string };
  eventTypes?: string[];
  aggregateId?: string;
}

interface ListUsersBody {
  query?: { offset?: string; limit?: number; asc?: boolean };
}

/**
 * ZITADEL's `POST /admin/v1/events/_search` and `POST /v2/users` (ListUsers) over a fixed history,
 * with ZITADEL's rules (`eventSearchWindow`; ListUsers sorted by creation date with offset paging),
 * answering each page by binary search over pre-serialised events so the server never limits the
 * backfill it feeds (the scriptable fake in test-support filters and sorts every request). It
 * accepts the JSON field names the backend sends (lowerCamelCase).
 */
export async function startSyntheticZitadel(history: SyntheticHistory, pat: string) {
  let requests = 0;
  let listUsersRequests = 0;
  // On the clock CPU profiles use, so a profile can be cut to the span the API was read.
  let firstRequestAt: number | undefined;
  let lastResponseAt: number | undefined;
  const { events, users } = history;
  const newest = events.at(-1)?.creationDate;
  const firstAfter = (micros: number) => {
    let low = 0;
    let high = events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((events[middle] as SyntheticEvent).micros <= micros) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  const userJson = users.map((u) =>
    JSON.stringify({
      userId: u.userId,
      details: {
        sequence: u.verified ? '2' : '1',
        changeDate: u.creationDate,
        resourceOwner: SYNTHETIC_ORG_ID,
        creationDate: u.creationDate,
      },
      state: 'USER_STATE_ACTIVE',
      username: u.email,
      loginNames: [u.email],
      preferredLoginName: u.email,
      human: {
        profile: {
          givenName: u.firstName,
          familyName: u.lastName,
          displayName: `${u.firstName} ${u.lastName}`,
          preferredLanguage: 'en',
        },
        email: { email: u.email, isVerified: u.verified },
      },
    }),
  );

  function searchEvents(body: SearchBody): string {
    const micros = (date: string | undefined) => (date ? parseMicros(date) : undefined);
    const { after, before, asc, limit } = eventSearchWindow({
      asc: body.asc,
      limit: body.limit,
      from: micros(body.from),
      range: body.range && { since: micros(body.range.since), until: micros(body.range.until) },
    });
    const types = body.eventTypes?.length ? new Set(body.eventTypes) : undefined;
    const start = after === undefined ? 0 : firstAfter(after);
    const end = before === undefined ? events.length : firstAfter(before - 1);
    const page: string[] = [];
    const take = (event: SyntheticEvent) =>
      (!types || types.has(event.type)) &&
      (!body.aggregateId || event.userId === body.aggregateId) &&
      page.push(event.json);
    if (asc) {
      for (let i = start; i < end && page.length < limit; i++) take(events[i] as SyntheticEvent);
    } else {
      for (let i = end - 1; i >= start && page.length < limit; i--)
        take(events[i] as SyntheticEvent);
    }
    return `{"events":[${page.join(',')}]}`;
  }

  function listUsers(body: ListUsersBody): string {
    listUsersRequests++;
    const offset = Number(body.query?.offset ?? 0);
    const limit = body.query?.limit ?? 0;
    const ordered = body.query?.asc ? userJson : [...userJson].reverse();
    const page = ordered.slice(offset, limit > 0 ? offset + limit : undefined);
    return `{"details":{"totalResult":"${users.length}","timestamp":"${newest}"},"sortingColumn":"USER_FIELD_NAME_CREATION_DATE","result":[${page.join(',')}]}`;
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const json = (status: number, body: string) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      if (req.method !== 'POST') return json(404, '{}');
      if (req.headers.authorization !== `Bearer ${pat}`) {
        return json(401, JSON.stringify(INVALID_TOKEN_ERROR));
      }
      firstRequestAt ??= monotonicMicros();
      requests++;
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      if (req.url === EVENT_SEARCH_PATH) json(200, searchEvents(body as SearchBody));
      else if (req.url === '/v2/users') json(200, listUsers(body as ListUsersBody));
      else json(404, '{}');
      lastResponseAt = monotonicMicros();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => ({ requests, listUsersRequests, firstRequestAt, lastResponseAt }),
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
