import type { IncomingMessage, ServerResponse } from 'node:http';
import { cors } from '@connectrpc/connect';

/**
 * Sets CORS headers for configured origins only. Returns true when the request was a preflight
 * and has been answered.
 */
export function applyCors(
  allowedOrigins: ReadonlySet<string>,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  const origin = req.headers.origin;
  // Browsers send Origin with every POST, same-origin ones included (Fetch §3.2.5): a POST without
  // it is not a browser's and gets no CORS headers. Nor does it need Vary: a shared cache never
  // answers another request with a POST's response (RFC 9111 §4). This is every RPC a server-side
  // client makes, and setting a header here would also send connect-node's writeHead down its
  // slower merging path.
  if (origin === undefined && req.method === 'POST') return false;
  const allowed = origin !== undefined && allowedOrigins.has(origin);
  res.setHeader('Vary', 'Origin');
  if (allowed) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', cors.exposedHeaders.join(', '));
  }
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  if (!allowed) {
    res.writeHead(403).end();
    return true;
  }
  res.writeHead(204, {
    'Access-Control-Allow-Methods': cors.allowedMethods.join(', '),
    'Access-Control-Allow-Headers': [...cors.allowedHeaders, 'Authorization'].join(', '),
    'Access-Control-Max-Age': '7200',
  });
  res.end();
  return true;
}
