import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';

export type ProxyMode = 'forward' | 'black-hole' | 'refuse';

/**
 * A TCP proxy in front of Postgres that can stop it in the two ways a database goes away:
 * `black-hole` (connections hang: a hung server or a dropped network; open connections stop
 * moving too) and `refuse` (nothing listens: every connection is refused at once).
 */
export async function startSwitchableProxy(target: { host: string; port: number }) {
  let mode: ProxyMode = 'forward';
  const pairs = new Set<[Socket, Socket]>();
  const held = new Set<Socket>();
  const server = createServer((client) => {
    client.on('error', () => {});
    if (mode !== 'forward') {
      held.add(client);
      return;
    }
    const upstream = createConnection(target);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forget = () => pairs.delete(pair);
    client.once('close', forget);
    upstream.once('close', forget);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async set(next: ProxyMode) {
      mode = next;
      if (next === 'black-hole') {
        for (const [client, upstream] of pairs) {
          client.unpipe(upstream);
          upstream.unpipe(client);
          client.pause();
          upstream.pause();
        }
      }
      if (next === 'refuse') {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        for (const socket of held) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      }
    },
    close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      for (const socket of held) socket.destroy();
      server.close();
    },
  };
}
