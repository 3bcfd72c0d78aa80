import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS for the endpoints we serve ourselves (userinfo, introspection): the SPA calls them from its
 * own origin. oidc-provider handles CORS for its endpoints via `clientBasedCORS`.
 * Returns true when the request was a preflight and has been answered.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowedOrigins: ReadonlySet<string>,
  methods: string,
): boolean {
  const origin = req.headers.origin;
  res.setHeader('Vary', 'Origin');
  if (origin && allowedOrigins.has(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
  }
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
    if (origin && allowedOrigins.has(origin)) {
      res.setHeader('Access-Control-Allow-Methods', methods);
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.writeHead(204).end();
    return true;
  }
  return false;
}

export function originsOf(uris: readonly string[]): Set<string> {
  const set = new Set<string>();
  for (const uri of uris) {
    const url = URL.parse(uri);
    if (url) set.add(url.origin);
  }
  return set;
}
