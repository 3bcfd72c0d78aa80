import { connect } from 'node:net';

/**
 * A request whose body stops short of its declared Content-Length: the client sends part of it
 * and closes its side, as a dropped mobile connection would. Resolves with the status line the
 * server answered, if any, once the server has closed the socket or `timeoutMs` passed.
 */
export function sendTruncated(
  baseUrl: string,
  path: string,
  options: {
    headers: Record<string, string>;
    body: Uint8Array;
    declaredLength: number;
    timeoutMs: number;
  },
): Promise<{ status: number; closedByServer: boolean }> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    const finish = (closedByServer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      resolve({ status: status ? Number(status) : 0, closedByServer });
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      const head = [
        `POST ${path} HTTP/1.1`,
        `Host: ${url.host}`,
        ...Object.entries(options.headers).map(([name, value]) => `${name}: ${value}`),
        `Content-Length: ${options.declaredLength}`,
        'Connection: close',
        '',
        '',
      ].join('\r\n');
      socket.write(head, 'latin1');
      socket.end(options.body);
    });
  });
}
