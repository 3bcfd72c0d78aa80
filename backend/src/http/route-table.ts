import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Route {
  /** Undefined: any method (the handler answers 405 itself). */
  method?: 'GET' | 'POST';
  /** The exact path, or with `prefix` every path under it. */
  path: string;
  prefix?: true;
  handle: RouteHandler;
}

/**
 * The first route matching the request's method and path answers it; `fallback` answers the rest.
 * A handler that throws is logged and answered 500, unless it had already answered.
 */
export function routeTable(
  routes: readonly Route[],
  fallback: RouteHandler,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routes.find(
      (candidate) =>
        (candidate.method === undefined || candidate.method === req.method) &&
        (candidate.prefix ? path.startsWith(candidate.path) : path === candidate.path),
    );
    Promise.resolve()
      .then(() => (route ?? { handle: fallback }).handle(req, res))
      .catch((error: unknown) => {
        logger.error({ err: error, path }, 'request handler crashed');
        if (!res.headersSent) res.writeHead(500).end();
      });
  };
}
