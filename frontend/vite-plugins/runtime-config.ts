import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';

// The SPA reads /config.json at run time. `npm start` and the end-to-end suite generate one for
// the ports they use and name it in APP_CONFIG_FILE; otherwise public/config.json is served.
export function runtimeConfig(): Plugin {
  const file = process.env.APP_CONFIG_FILE;
  const serve = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if (!file || req.url?.split('?')[0] !== '/config.json') return next();
    res.setHeader('content-type', 'application/json');
    res.setHeader('cache-control', 'no-store');
    res.end(readFileSync(file));
  };
  return {
    name: 'runtime-config',
    configureServer: (server) => void server.middlewares.use(serve),
    configurePreviewServer: (server) => void server.middlewares.use(serve),
  };
}
