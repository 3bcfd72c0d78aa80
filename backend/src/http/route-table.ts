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
 * A route handler that throws or rejects is logged and answered 500, unless it had already
 * answered. The fallback (the RPC adapter, which answers its own failures once it has placed a
 * request) is called directly, outside the promise that guards a route handler.
 */
export function routeTable(
  routes: readonly Route[],
  fallback: (req: IncomingMessage, res: ServerResponse) => void,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  // A handful of routes: a scan in table order is the whole lookup.
  const find = (path: string, method: string | undefined) =>
    routes.find(
      (route) =>
        (route.method === undefined || route.method === method) &&
        (route.prefix ? path.startsWith(route.path) : path === route.path),
    );

  function crashed(error: unknown, path: string, res: ServerResponse) {
    logger.error({ err: error, path }, 'request handler crashed');
    if (!res.headersSent) res.writeHead(500).end();
  }

  async function answer(route: Route, path: string, req: IncomingMessage, res: ServerResponse) {
    try {
      await route.handle(req, res);
    } catch (error) {
      crashed(error, path, res);
    }
  }

  return (req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const route = find(path, req.method);
    if (route) {
      void answer(route, path, req, res);
      return;
    }
    // connect-node throws before its own error handling for a request it cannot place (an
    // HTTP/1.0 request without Host, a Host that is no URL authority).
    try {
      fallback(req, res);
    } catch (error) {
      crashed(error, path, res);
    }
  };
}
