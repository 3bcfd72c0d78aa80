import { once } from 'node:events';
import { createServer, type Server } from 'node:net';

// A child process (or a server that cannot report the port it chose) needs its port up front:
// bind port 0, read what the kernel gave, release it.

async function listenOnAnyPort(): Promise<Server> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function portOf(server: Server): number {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

type Ports<N extends number, P extends number[] = []> = P['length'] extends N
  ? P
  : Ports<N, [...P, number]>;

/** `count` distinct loopback ports nothing listens on right now (all held open until each is read). */
export async function freePorts<N extends number>(count: N): Promise<Ports<N>> {
  const servers = await Promise.all(Array.from({ length: count }, listenOnAnyPort));
  const ports = servers.map(portOf) as Ports<N>;
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
  return ports;
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}
