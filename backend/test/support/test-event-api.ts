import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredEvent {
  userId: string;
  sequence: number;
  type: string;
  creationDate: string;
  payload?: Record<string, unknown>;
}

/**
 * ZITADEL's `POST /admin/v1/events/_search` over real HTTP, with its request and response
 * shapes: `from` (inclusive creation date), `asc`, `limit`, `event_types`, `aggregate_types`;
 * uint64 as strings; a PAT required. `failOn` makes one request answer 503.
 */
export async function startTestEventApi(pat = 'test-pat') {
  const events: StoredEvent[] = [];
  const requests: Record<string, unknown>[] = [];
  let failOnRequest = -1;

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url !== '/admin/v1/events/_search' || req.method !== 'POST') return json(404, {});
    if (req.headers.authorization !== `Bearer ${pat}`) {
      return json(401, { code: 16, message: 'Errors.Token.Invalid (AUTH-7fs1e)' });
    }
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
      from?: string;
      asc?: boolean;
      limit?: number;
      event_types?: string[];
      aggregate_types?: string[];
    };
    requests.push(body);
    if (requests.length - 1 === failOnRequest)
      return json(503, { code: 14, message: 'unavailable' });
    const from = body.from ? Date.parse(body.from) : 0;
    const selected = events
      .filter((event) => Date.parse(event.creationDate) >= from)
      .filter((event) => !body.event_types?.length || body.event_types.includes(event.type))
      .sort(
        (a, b) =>
          Date.parse(a.creationDate) - Date.parse(b.creationDate) || a.sequence - b.sequence,
      );
    if (!body.asc) selected.reverse();
    json(200, {
      events: selected.slice(0, Math.min(body.limit ?? 1000, 1000)).map((event) => ({
        editor: {
          userId: '336392597046755331',
          displayName: 'login-client',
          service: 'zitadel.user.v2',
        },
        aggregate: {
          id: event.userId,
          type: { type: 'user' },
          resourceOwner: '336392597046099971',
        },
        sequence: String(event.sequence),
        creationDate: event.creationDate,
        payload: event.payload ?? {},
        type: { type: event.type },
      })),
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pat,
    events,
    requests,
    failOn(requestIndex: number) {
      failOnRequest = requestIndex;
    },
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
