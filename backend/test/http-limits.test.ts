import { once } from 'node:events';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HTTP_LIMIT_DEFAULTS } from '../src/config';
import {
  type BackendServer,
  type HttpLimits,
  listenHttp1AndH2c,
} from '../src/http/listen-http1-and-h2c';
import { createLogger } from '../src/logger';

const started: BackendServer[] = [];
afterEach(async () => {
  for (const server of started.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** The API port's listener with a trivial handler, so only the limits are under test. */
async function listen(limits: Partial<HttpLimits>) {
  const server = listenHttp1AndH2c(
    // Reads the whole body first, as the webhook does, so a slow body meets requestTimeout.
    (req, res) => {
      req.resume();
      req.once('end', () => res.writeHead(200).end('ok'));
    },
    (_req, res) => res.writeHead(200).end('ok'),
    { ...HTTP_LIMIT_DEFAULTS, ...limits },
    createLogger('silent'),
  );
  started.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

/** A raw client that records what it receives and when the server closes on it. */
async function rawClient(port: number) {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {}); // a reset is one of the outcomes under test
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  return { socket, received: () => received, closed };
}

function drip(socket: Socket, text: string, everyMs: number): { sent: () => number } {
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || sent >= text.length) {
      clearInterval(timer);
      return;
    }
    socket.write(text[sent++] ?? '');
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
  return { sent: () => sent };
}

const connectionsOf = (server: BackendServer) =>
  new Promise<number>((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

const GET_HEALTHZ = 'GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n';

describe('limits of the API port', () => {
  it('answers 408 and closes on a client sending its headers byte by byte past headersTimeout', async () => {
    const { port } = await listen({ headersTimeoutMs: 400, requestTimeoutMs: 400 });
    const client = await rawClient(port);
    // One byte every 50 ms: the headers would take over 2 s; the limit is 0.4 s.
    const dripping = drip(client.socket, GET_HEALTHZ, 50);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(dripping.sent()).toBeLessThan(GET_HEALTHZ.length);
  });

  it('drops a client that connects and says nothing for headersTimeout', async () => {
    const { port } = await listen({ headersTimeoutMs: 300, requestTimeoutMs: 300 });
    const client = await rawClient(port);
    await client.closed;
    // Not even a 408: before its first byte it is neither HTTP/1.1 nor HTTP/2.
    expect(client.received()).toBe('');
  });

  it('answers 408 to a client whose body arrives slower than requestTimeout', async () => {
    const { port } = await listen({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const client = await rawClient(port);
    client.socket.write(
      'POST /webhooks/zitadel HTTP/1.1\r\nhost: localhost\r\ncontent-length: 100\r\n\r\n',
    );
    const dripping = drip(client.socket, 'x'.repeat(100), 50);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(dripping.sent()).toBeLessThan(100);
  });

  it('closes an idle keep-alive connection after keepAliveTimeout', async () => {
    const { port } = await listen({ keepAliveTimeoutMs: 300 });
    const client = await rawClient(port);
    client.socket.write(GET_HEALTHZ);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  it('closes connections past maxConnections as they arrive, and takes new ones once below', async () => {
    const { server, port } = await listen({ maxConnections: 3 });
    let dropped = 0;
    server.on('drop', () => dropped++);
    const held = [await rawClient(port), await rawClient(port), await rawClient(port)];
    await vi.waitFor(async () => expect(await connectionsOf(server)).toBe(3));

    const refused = await rawClient(port);
    await refused.closed;
    expect(refused.received()).toBe('');
    expect(dropped).toBe(1);

    // The three held connections still work.
    held[0]?.socket.write(GET_HEALTHZ);
    await vi.waitFor(() => expect(held[0]?.received()).toMatch(/^HTTP\/1\.1 200 OK/));

    // One closes: once the server has seen it go, a new client gets in.
    held[1]?.socket.destroy();
    await vi.waitFor(async () => expect(await connectionsOf(server)).toBe(2));
    const next = await rawClient(port);
    next.socket.write(GET_HEALTHZ);
    await vi.waitFor(() => expect(next.received()).toMatch(/^HTTP\/1\.1 200 OK/));
    expect(dropped).toBe(1);
  });
});

describe('protocol detection on the API port', () => {
  const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

  /** The frame types in what an HTTP/2 server sent: a 9-byte header (length, type, …) each. */
  function frameTypes(bytes: Buffer): number[] {
    const types: number[] = [];
    for (let at = 0; at + 9 <= bytes.length; at += 9 + bytes.readUIntBE(at, 3)) {
      types.push(bytes[at + 3] ?? -1);
    }
    return types;
  }

  it('refuses garbage after the HTTP/2 preface with GOAWAY, and keeps serving', async () => {
    const { port } = await listen({});
    const client = await rawClient(port);
    client.socket.write(`${PREFACE}garbage, not a SETTINGS frame`);
    await client.closed;
    // SETTINGS (4) is the server's own preface; GOAWAY (7) ends the session.
    expect(frameTypes(Buffer.from(client.received(), 'latin1'))).toEqual([4, 7]);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('treats bytes that only start like the preface as HTTP/1.1 (and answers them 400)', async () => {
    const { port } = await listen({});
    const client = await rawClient(port);
    client.socket.write('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });
});
