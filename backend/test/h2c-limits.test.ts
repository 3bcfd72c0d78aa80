import { once } from 'node:events';
import { type ClientHttp2Session, connect as connectHttp2 } from 'node:http2';
import { type AddressInfo, connect as connectTcp } from 'node:net';
import { waitUntil } from '@liverty-music/test-support/wait-until';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTP_LIMIT_DEFAULTS } from '../src/config';
import {
  type BackendServer,
  type HttpLimits,
  listenHttp1AndH2c,
} from '../src/http/listen-http1-and-h2c';
import { createLogger } from '../src/logger';

// The h2c half of the API port's limits (docs/decisions/028), on the bare listener with a handler
// that reads the whole body, as connect-node does. The fault suite (faults/test/
// hostile-network.test.ts) runs the same attacks, at scale, against a real backend process.
const started: BackendServer[] = [];
afterEach(async () => {
  for (const server of started.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(limits: Partial<HttpLimits>, throwing = false) {
  let reached = 0;
  const handler = (
    req: { resume(): void; once(event: 'end', listener: () => void): void },
    res: { writeHead(status: number): { end(body?: string): void } },
  ) => {
    reached++;
    if (throwing) throw new Error('a handler bug');
    req.resume();
    req.once('end', () => res.writeHead(200).end('ok'));
  };
  // One handler for both protocols: the Node request/response types do not unify.
  const server = listenHttp1AndH2c(
    handler as never,
    handler as never,
    { ...HTTP_LIMIT_DEFAULTS, ...limits },
    createLogger('silent'),
  );
  started.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const connections = () =>
    new Promise<number>((resolve) => server.getConnections((_error, count) => resolve(count)));
  return { server, baseUrl, connections, reached: () => reached };
}

async function session(baseUrl: string): Promise<ClientHttp2Session> {
  const client = connectHttp2(baseUrl);
  client.on('error', () => {});
  await once(client, 'connect');
  return client;
}

function statusOf(client: ClientHttp2Session, headers: Record<string, string>, body?: string) {
  const stream = client.request({ ':method': 'POST', ':path': '/x', ...headers });
  stream.on('error', () => {});
  stream.resume();
  if (body !== undefined) stream.end(body);
  return new Promise<number | undefined>((resolve) => {
    let status: number | undefined;
    stream.on('response', (received) => {
      status = Number(received[':status']);
    });
    stream.on('close', () => resolve(status));
  });
}

describe('h2c limits and the request guard', () => {
  it('answers an authority no URL can hold 400 without calling the handler', async () => {
    const { baseUrl, reached } = await listen({});
    const client = await session(baseUrl);
    // Bad input tried: a port out of range, which ended the process before.
    expect(await statusOf(client, { ':authority': 'a:99999' }, '{}')).toBe(400);
    expect(reached()).toBe(0);
    expect(await statusOf(client, {}, '{}')).toBe(200);
    client.close();
  });

  it('answers 500 when a handler throws, and keeps serving', async () => {
    const { baseUrl } = await listen({}, true);
    const client = await session(baseUrl);
    expect(await statusOf(client, {}, '{}')).toBe(500);
    expect(await statusOf(client, {}, '{}')).toBe(500);
    client.close();
  });

  it('gives back the connection of a client that goes away mid-body', async () => {
    const { baseUrl, connections } = await listen({});
    const { hostname, port } = new URL(baseUrl);
    // Bad input tried: 50 clients that open a stream, send half a body and leave (FIN).
    for (let index = 0; index < 50; index++) {
      const socket = connectTcp(Number(port), hostname);
      socket.on('error', () => {});
      const client = connectHttp2(baseUrl, { createConnection: () => socket });
      client.on('error', () => {});
      const stream = client.request({ ':method': 'POST', ':path': '/x' });
      stream.on('error', () => {});
      stream.write('{"half":');
      await new Promise<void>((resolve) => client.ping(() => resolve()));
      socket.end();
    }
    await waitUntil('every connection given back', async () => (await connections()) === 0, {
      timeoutMs: 5000,
      intervalMs: 20,
    });
  });

  it('answers 408 to a stream whose body trickles past the request timeout', async () => {
    const { baseUrl } = await listen({ requestTimeoutMs: 400, headersTimeoutMs: 200 });
    const client = await session(baseUrl);
    const stream = client.request({ ':method': 'POST', ':path': '/x' });
    stream.on('error', () => {});
    const timer = setInterval(() => {
      if (!stream.destroyed) stream.write(' ');
    }, 50);
    const [headers] = (await once(stream, 'response')) as [Record<string, string>];
    clearInterval(timer);
    expect(Number(headers[':status'])).toBe(408);
    client.destroy();
  });

  it('closes a session that only PINGs, after the headers timeout', async () => {
    const { baseUrl } = await listen({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
    const client = await session(baseUrl);
    const pinger = setInterval(() => {
      if (!client.closed && !client.destroyed) client.ping(() => {});
    }, 50);
    await once(client, 'close');
    clearInterval(pinger);
    expect(client.destroyed).toBe(true);
  });
});
