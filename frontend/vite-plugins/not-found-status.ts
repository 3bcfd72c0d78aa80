import type { Connect, Plugin } from 'vite';

/** The documents this app serves; nginx.conf has the same list. */
const PAGES = new Set(['/', '/index.html', '/callback', '/callback.html']);

/**
 * Any other address of a page (no file extension) is not a page of this app. The server still
 * answers with index.html, which shows "Page not found" (main.tsx), but with status 404, as nginx
 * does: crawlers and monitors then learn the truth too, not just people.
 */
export const markNotFound: Connect.NextHandleFunction = (req, res, next) => {
  // Split, not parsed: a malformed request target must not make this middleware throw.
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const isPage = !/\.[a-z0-9]+$/i.test(path) && !/^\/(@|src\/|node_modules\/)/.test(path);
  if ((req.method === 'GET' || req.method === 'HEAD') && isPage && !PAGES.has(path)) {
    // Vite's static file server writes 200 itself when it sends index.html: turn that into 404.
    const writeHead = res.writeHead.bind(res) as (code: number, ...rest: unknown[]) => unknown;
    res.writeHead = ((code: number, ...rest: unknown[]) =>
      writeHead(code === 200 ? 404 : code, ...rest)) as typeof res.writeHead;
    res.statusCode = 404;
  }
  next();
};

export function notFoundStatus(): Plugin {
  return {
    name: 'not-found-status',
    configurePreviewServer: (server) => void server.middlewares.use(markNotFound),
    configureServer: (server) => void server.middlewares.use(markNotFound),
  };
}
