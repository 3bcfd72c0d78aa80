import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GET_OR_CREATE_PATH } from './support/send-undecodable-message';
import { startTestServer } from './support/start-test-server';
import { createTestDatabase, type TestDatabase } from './support/test-databases';

/** Writes raw bytes on a fresh connection and returns what comes back until the server closes. */
async function exchange(baseUrl: string, request: string): Promise<string> {
  const { port, hostname } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  try {
    socket.write(request);
    await vi.waitFor(() => expect(received).toMatch(/^HTTP\/1\.1 \d{3}/), { timeout: 5000 });
    return received;
  } finally {
    socket.destroy();
  }
}

describe('an RPC the adapter cannot place', () => {
  let database: TestDatabase;
  let server: Awaited<ReturnType<typeof startTestServer>>;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    server = await startTestServer({
      database: database.handle,
      issuer: 'http://127.0.0.1:1',
      audience: ['x'],
    });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  // Bad input tried: HTTP/1.0 allows a request without Host, and connect-node throws before its
  // own error handling when it cannot build the request URL. The RPC path is called without a
  // promise around it, so this pins that the throw is still caught.
  it('answers an HTTP/1.0 request without Host 500 and keeps serving', async () => {
    const body = '{}';
    const answer = await exchange(
      server.baseUrl,
      `POST ${GET_OR_CREATE_PATH} HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 500/);
    const health = await fetch(`${server.baseUrl}/healthz`);
    expect(health.status).toBe(200);
  });
});
