import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Forwards every request to `upstream` after `delayMs`. The test Event API answers a page in a
 * few milliseconds, so an unthrottled backfill can finish before a case has seen its checkpoint
 * move; a realistic round trip keeps the run long enough to be killed in the middle.
 */
export async function startDelayingProxy(upstream: string, delayMs: number) {
  let requests = 0;
  const server = createServer(async (req, res) => {
    requests++;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    try {
      const response = await fetch(`${upstream}${req.url ?? '/'}`, {
        method: req.method,
        headers: {
          authorization: req.headers.authorization ?? '',
          'content-type': req.headers['content-type'] ?? 'application/json',
        },
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      const body = Buffer.from(await response.arrayBuffer());
      res
        .writeHead(response.status, {
          'content-type': response.headers.get('content-type') ?? 'application/json',
        })
        .end(body);
    } catch {
      // The client was SIGKILLed mid-request, or the upstream closed: nothing to answer.
      res.destroy();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
