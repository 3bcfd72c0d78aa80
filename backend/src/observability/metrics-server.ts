import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics';

/**
 * `GET /metrics` on a listener of its own (METRICS_PORT): the API port faces the internet, the
 * scrape does not need to, and a flood on one must not starve the other.
 */
export function createMetricsServer(metrics: Metrics): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
}
