import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monotonicMicros } from './summarize-cpu-profile';

/** One synthetic `user.human.added`, in the fields both the Event API and COPY need. */
export interface SyntheticUser {
  userId: string;
  /** RFC 3339 with microseconds, as ZITADEL writes it. */
  creationDate: string;
  /** The same instant in microseconds since the epoch, for paging. */
  micros: number;
  payload: {
    userName: string;
    firstName: string;
    lastName: string;
    displayName: string;
    preferredLanguage: string;
    email: string;
    // ZITADEL includes the password hash; the backend must strip it before storing anything.
    encodedHash: string;
  };
}

export const SYNTHETIC_ORG_ID = '336392597046099971';

// One signup every 100 ms: 100k users span ~2.8 hours, so the backfill's 1 s overlap re-reads
// about ten events per page, as against a real instance after a busy launch day.
const SPACING_MICROS = 100_000;

function rfc3339Micros(micros: number): string {
  const iso = new Date(Math.floor(micros / 1000)).toISOString(); // …T10:00:00.123Z
  return `${iso.slice(0, 23)}${String(micros % 1000).padStart(3, '0')}Z`;
}

function parseMicros(value: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(value);
  if (!match) return Number.NaN;
  const fraction = (match[2] ?? '').padEnd(6, '0').slice(0, 6);
  return Date.parse(`${match[1]}Z`) * 1000 + Number(fraction);
}

export function syntheticUsers(count: number): SyntheticUser[] {
  const first = (Date.now() - 24 * 3600 * 1000) * 1000;
  return Array.from({ length: count }, (_, i) => {
    const userId = String(600_000_000_000_000_000n + BigInt(i));
    const micros = first + i * SPACING_MICROS + (i % 997);
    return {
      userId,
      creationDate: rfc3339Micros(micros),
      micros,
      payload: {
        userName: `user${i}@backfill.example`,
        firstName: 'Backfill',
        lastName: `User ${i}`,
        displayName: `Backfill User ${i}`,
        preferredLanguage: 'en',
        email: `user${i}@backfill.example`,
        encodedHash: '$2a$14$C5WTDc1W3Bq1D5wbEzaWBeHGm6XIsKzXAmnHDBtkzWuNtN4UaUxyi',
      },
    };
  });
}

/**
 * ZITADEL's `POST /admin/v1/events/_search` (request and response shapes as in
 * backend/test/support/test-event-api.ts) over a fixed, sorted event list, answering each page
 * with a binary search so the server never limits the backfill it feeds.
 */
export async function startSyntheticEventApi(users: SyntheticUser[], pat: string) {
  let requests = 0;
  // On the clock CPU profiles use, so a profile can be cut to the span the API was read.
  let firstRequestAt: number | undefined;
  let lastResponseAt: number | undefined;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const json = (status: number, body: string) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      if (req.url !== '/admin/v1/events/_search' || req.method !== 'POST') return json(404, '{}');
      if (req.headers.authorization !== `Bearer ${pat}`) {
        return json(401, '{"code":16,"message":"Errors.Token.Invalid (AUTH-7fs1e)"}');
      }
      firstRequestAt ??= monotonicMicros();
      requests++;
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
        from?: string;
        asc?: boolean;
        limit?: number;
        event_types?: string[];
      };
      if (body.asc !== true) return json(400, '{"code":3,"message":"the bench serves asc only"}');
      if (body.event_types?.length && !body.event_types.includes('user.human.added')) {
        return json(200, '{"events":[]}');
      }
      const from = body.from ? parseMicros(body.from) : 0;
      let low = 0;
      let high = users.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((users[middle] as SyntheticUser).micros < from) low = middle + 1;
        else high = middle;
      }
      const page = users.slice(low, low + Math.min(body.limit ?? 1000, 1000));
      json(
        200,
        JSON.stringify({
          events: page.map((user) => ({
            editor: {
              userId: '336392597046755331',
              displayName: 'login-client',
              service: 'zitadel.user.v2',
            },
            aggregate: {
              id: user.userId,
              type: { type: 'user' },
              resourceOwner: SYNTHETIC_ORG_ID,
            },
            sequence: '1',
            creationDate: user.creationDate,
            payload: user.payload,
            type: { type: 'user.human.added' },
          })),
        }),
      );
      lastResponseAt = monotonicMicros();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => ({ requests, firstRequestAt, lastResponseAt }),
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
