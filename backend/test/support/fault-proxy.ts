import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the next matching answers turn into. */
export type Fault =
  /** 503 with grpc-gateway's error body (code 14, unavailable). */
  | 'unavailable'
  /** 200 with a page whose events lack their sequence (ListUsers: a user id that is a number). */
  | 'malformed'
  /** 200 with the upstream body cut in half. */
  | 'truncated'
  /** 200 with the upstream events in reverse order. */
  | 'reordered'
  /** Never answers (until the proxy closes). */
  | 'hang';

/**
 * Sits between the sync and ZITADEL's API (the local identity provider) and breaks the next
 * answers on purpose, the way a load balancer, a restarting ZITADEL or a bad network would.
 */
export async function startFaultProxy(upstream: string) {
  const queue: { fault: Fault; path: string }[] = [];
  const hanging = new Set<ServerResponse>();
  let requests = 0;
  let faultsServed = 0;

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    requests++;
    const index = queue.findIndex(({ path }) => (req.url ?? '').startsWith(path));
    const fault = index >= 0 ? queue.splice(index, 1)[0]?.fault : undefined;
    if (fault) faultsServed++;
    if (fault === 'hang') {
      hanging.add(res);
      return;
    }
    if (fault === 'unavailable') {
      res
        .writeHead(503, { 'content-type': 'application/json' })
        .end('{"code":14,"message":"upstream connect error","details":[]}');
      return;
    }
    let response: Response;
    try {
      response = await fetch(`${upstream}${req.url ?? '/'}`, {
        method: req.method ?? 'POST',
        headers: {
          authorization: req.headers.authorization ?? '',
          'content-type': req.headers['content-type'] ?? 'application/json',
        },
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
    } catch {
      res.destroy();
      return;
    }
    let body = await response.text();
    if (fault === 'truncated') body = body.slice(0, Math.floor(body.length / 2));
    if (fault === 'malformed' && (req.url ?? '').startsWith('/v2/users')) {
      body = JSON.stringify({ ...(JSON.parse(body) as object), result: [{ userId: 42 }] });
    } else if (fault === 'malformed' || fault === 'reordered') {
      const page = JSON.parse(body) as { events?: Record<string, unknown>[] };
      const events = page.events ?? [];
      if (fault === 'reordered') events.reverse();
      else for (const event of events) delete event.sequence;
      if (fault === 'malformed' && events.length === 0) events.push({ aggregate: {} });
      body = JSON.stringify({ ...page, events });
    }
    res
      .writeHead(response.status, {
        'content-type': response.headers.get('content-type') ?? 'application/json',
      })
      .end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Breaks the next `times` requests whose path starts with `path`. */
    inject(fault: Fault, times = 1, path = '/admin/v1/events/_search') {
      for (let i = 0; i < times; i++) queue.push({ fault, path });
    },
    /** Drops faults not yet served. */
    clear() {
      queue.length = 0;
    },
    requests: () => requests,
    faultsServed: () => faultsServed,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
