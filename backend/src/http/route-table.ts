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
 * request) is called directly: every RPC goes there, and should cost a lookup, not a promise chain.
 */
export function routeTable(
  routes: readonly Route[],
  fallback: (req: IncomingMessage, res: ServerResponse) => void,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  // Candidates by exact path, in table order; prefix routes are few and checked after.
  const exact = new Map<string, { order: number; route: Route }[]>();
  const prefixed: { order: number; route: Route }[] = [];
  routes.forEach((route, order) => {
    if (route.prefix) {
      prefixed.push({ order, route });
      return;
    }
    const list = exact.get(route.path) ?? [];
    list.push({ order, route });
    exact.set(route.path, list);
  });

  const matches = (route: Route, method: string | undefined) =>
    route.method === undefined || route.method === method;

  function find(path: string, method: string | undefined): Route | undefined {
    let found: { order: number; route: Route } | undefined;
    for (const candidate of exact.get(path) ?? []) {
      if (matches(candidate.route, method)) {
        found = candidate;
        break;
      }
    }
    for (const candidate of prefixed) {
      if (found && candidate.order > found.order) break;
      if (matches(candidate.route, method) && path.startsWith(candidate.route.path)) {
        found = candidate;
        break;
      }
    }
    return found?.route;
  }

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
