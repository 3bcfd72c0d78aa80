// Whether `npm start` can have its ports, asked before anything starts: a service that finds its
// port taken dies with EADDRINUSE after the others are already up.
import { createServer } from 'node:net';

/** Every service of `npm start` listens on this interface. */
export const LISTEN_HOST = '127.0.0.1';

/** True when a listener could be opened on the port now (and it is closed again at once). */
export function isPortFree(port: number, host = LISTEN_HOST): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      // EACCES: a privileged port; taken or not, it cannot be ours either.
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(error);
    });
    // exclusive: a port another process of this machine holds counts as taken, cluster or not.
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first free port after `from`, skipping the ones in `avoid`; undefined if none is near. */
export async function nextFreePort(
  from: number,
  avoid: ReadonlySet<number>,
  tries = 100,
): Promise<number | undefined> {
  for (let port = from + 1; port <= Math.min(65535, from + tries); port++) {
    if (!avoid.has(port) && (await isPortFree(port))) return port;
  }
  return undefined;
}
