import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * A TCP port nothing listens on right now. The backend cannot report a port it chose itself, so
 * the suite picks one: bind port 0, read what the kernel gave, release it.
 */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}
