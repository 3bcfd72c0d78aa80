import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { backendUnderTest } from './support/backend-under-test';
import { GET_OR_CREATE_PATH } from './support/send-undecodable-message';

/**
 * Sends a request with a large body on a raw keep-alive connection, waits for its answer, then
 * asks /healthz on the same connection: what a reverse proxy pooling connections would do next.
 */
async function answerThenHealthz(baseUrl: string, head: string, size: number) {
  const { port, hostname } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  try {
    socket.write(`${head}content-length: ${size}\r\n\r\n`);
    socket.write(Buffer.alloc(size, 0x41));
    await vi.waitFor(() => expect(received).toMatch(/^HTTP\/1\.1 \d{3}/), { timeout: 5000 });
    const first = received.slice(0, 12);
    received = '';
    socket.write(`GET /healthz HTTP/1.1\r\nhost: ${hostname}\r\n\r\n`);
    await vi.waitFor(() => expect(received).toContain('alive'), { timeout: 5000 });
    return first;
  } finally {
    socket.destroy();
  }
}

describe('a keep-alive connection after a refused body', () => {
  const backend = backendUnderTest({ kind: 'pglite' });

  // 256 KiB: past what the socket buffers would swallow unread.
  it.each([
    ['gRPC (refused mid-body by the envelope reader)', 'application/grpc'],
    ['gRPC-web', 'application/grpc-web+proto'],
    ['Connect (refused on Content-Length)', 'application/proto'],
  ])('still answers after an oversized %s request', async (_what, contentType) => {
    const head = `POST ${GET_OR_CREATE_PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: ${contentType}\r\n`;
    const first = await answerThenHealthz(backend.server.baseUrl, head, 256 * 1024);
    expect(first).toMatch(/^HTTP\/1\.1 (200|429)/);
  });
  // Bad input tried: HTTP/1.0 allows a request without Host, and connect-node throws before its
  // own error handling when it cannot build the request URL. The request guard answers it
  // invalid_argument before the adapter sees it (docs/decisions/028), and the server keeps serving.
  it('answers an HTTP/1.0 RPC without Host 400 invalid_argument, then still serves', async () => {
    const { port, hostname } = new URL(backend.server.baseUrl);
    const socket = connect(Number(port), hostname);
    socket.on('error', () => {});
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    await once(socket, 'connect');
    socket.end(
      `POST ${GET_OR_CREATE_PATH} HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`,
    );
    await once(socket, 'close');
    expect(received).toMatch(/^HTTP\/1\.1 400/);
    expect(received).toContain('"code":"invalid_argument"');
    expect((await fetch(`${backend.server.baseUrl}/healthz`)).status).toBe(200);
  });
});
