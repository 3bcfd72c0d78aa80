import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Listens on `port` (0: one the OS picks) and `host`, and resolves with the URL that reaches the
 * server from this machine once it is listening.
 */
export async function listenAt(
  server: Server,
  port: number,
  host: string,
): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  // Bound to every interface: clients on this machine still reach it via loopback.
  const reachable =
    address.address === '0.0.0.0'
      ? '127.0.0.1'
      : address.address === '::'
        ? '::1'
        : address.address;
  const url = `http://${address.family === 'IPv6' ? `[${reachable}]` : reachable}:${address.port}`;
  return { url, port: address.port };
}
