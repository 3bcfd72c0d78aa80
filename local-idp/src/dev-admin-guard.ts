import type { IncomingMessage } from 'node:http';
import { isLoopbackRequest } from './loopback-address';

/**
 * Who may use the dev admin API: a program on this machine talking to this server by one of its
 * own names. A web page open in the developer's browser can send simple cross-site requests
 * (`text/plain` POSTs, no preflight) to loopback, and DNS rebinding can make a foreign host name
 * point here; so the Host must be ours, a browser's Origin (and Sec-Fetch-Site) must be ours, and
 * every request with a body must declare JSON, which a browser only sends cross-site after a CORS
 * preflight that this API never grants.
 */
export interface DevAdminGuard {
  /** `host[:port]` values this server answers to, lower-case. */
  hosts: ReadonlySet<string>;
}

export interface DevAdminRefusal {
  status: 403 | 415;
  error: string;
  message: string;
}

/** The hosts of the issuer and of the loopback names for the port the server listens on. */
export function devAdminHosts(issuer: string, port: number): Set<string> {
  return new Set(
    [new URL(issuer).host, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].map((host) =>
      host.toLowerCase(),
    ),
  );
}

export function devAdminRefusal(
  req: IncomingMessage,
  guard: DevAdminGuard,
): DevAdminRefusal | undefined {
  if (!isLoopbackRequest(req)) {
    return {
      status: 403,
      error: 'forbidden',
      message: 'The dev admin API is only available from loopback addresses.',
    };
  }
  const host = (req.headers.host ?? '').toLowerCase();
  if (!guard.hosts.has(host)) {
    return {
      status: 403,
      error: 'forbidden',
      message: `Host "${host}" is not a name of this identity provider; the dev admin API refuses it.`,
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !guard.hosts.has(URL.parse(origin)?.host.toLowerCase() ?? '')) {
    return {
      status: 403,
      error: 'forbidden',
      message: 'The dev admin API refuses cross-origin requests.',
    };
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return {
      status: 403,
      error: 'forbidden',
      message: `The dev admin API refuses ${site} requests.`,
    };
  }
  const method = req.method ?? 'GET';
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (method !== 'GET' && method !== 'HEAD' && type !== 'application/json') {
    return {
      status: 415,
      error: 'unsupported_media_type',
      message: `The dev admin API accepts only Content-Type: application/json (got "${type || 'none'}"), also for requests without a body.`,
    };
  }
  return undefined;
}
