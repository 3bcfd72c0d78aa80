import { createServer as createHttpServer, type Server } from 'node:http';
import { ACTIONS_PATH_PREFIX, createActionsHandler } from './actions/actions-handler';
import type { SignupPolicy } from './actions/signup-policy';
import type { Authenticate } from './auth/authenticate';
import type { DatabaseHandle } from './db/open-database';
import { applyCors } from './http/cors';
import { errorInterceptor } from './http/error-interceptor';
import type { Metrics } from './http/metrics';
import { createRpcHandler } from './http/rpc-handler';
import type { Logger } from './logger';
import { createRoutes } from './routes';
import { DEFAULT_RETURNING_USER_CACHE_MS } from './user/returning-user-cache';
import { createWebhookHandler } from './webhooks/webhook-handler';

export interface ServerDeps {
  database: DatabaseHandle;
  authenticate: Authenticate;
  logger: Logger;
  metrics: Metrics;
  corsOrigins: readonly string[];
  /** RETURNING_USER_CACHE_MS (docs/decisions/027). */
  returningUserCacheMs?: number;
  /** Empty: the webhook endpoint answers 404. */
  webhookSigningKeys?: readonly string[];
  /** The reconciler's health for `GET /sync/health`; undefined while the reconciler is off. */
  syncHealth?: () => { status: string } | undefined;
  /** Actions v2 restCall targets; no signing keys: /actions/zitadel/* answers 404. */
  actions?: {
    signingKeys: readonly string[];
    clientIds: readonly string[];
    policy: SignupPolicy;
    deadlineMs?: number;
  };
}

// GetOrCreate bodies are a few bytes; anything near this is abuse.
const MAX_REQUEST_BYTES = 64 * 1024;
const DRAIN_LIMIT_BYTES = 1024 * 1024;

export function createServer(deps: ServerDeps): Server {
  const origins = new Set(deps.corsOrigins);
  const rpc = createRpcHandler({
    routes: createRoutes({
      database: deps.database,
      authenticate: deps.authenticate,
      logger: deps.logger,
      metrics: deps.metrics,
      returningUserCacheMs: deps.returningUserCacheMs ?? DEFAULT_RETURNING_USER_CACHE_MS,
    }),
    interceptors: [errorInterceptor(deps.logger)],
    readMaxBytes: MAX_REQUEST_BYTES,
    logger: deps.logger,
  });

  const webhook =
    deps.webhookSigningKeys && deps.webhookSigningKeys.length > 0
      ? createWebhookHandler({
          db: deps.database.db,
          signingKeys: deps.webhookSigningKeys,
          logger: deps.logger,
          metrics: deps.metrics,
        })
      : undefined;

  const actions =
    deps.actions && deps.actions.signingKeys.length > 0
      ? createActionsHandler({
          ...deps.actions,
          database: deps.database,
          logger: deps.logger,
          metrics: deps.metrics,
        })
      : undefined;

  return createHttpServer((req, res) => {
    // A handler that answers before reading the whole body (a size limit, an unknown path) would
    // leave the rest in the socket, and the next request on that keep-alive connection would never
    // be parsed. Drain it; a sender that keeps going past a megabyte loses the connection.
    res.once('finish', () => {
      if (req.complete) return;
      let drained = 0;
      req.on('data', (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > DRAIN_LIMIT_BYTES) req.socket.destroy();
      });
      req.resume();
    });
    if (applyCors(origins, req, res)) return;
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"alive"}');
      return;
    }
    if (req.method === 'GET' && path === '/readyz') {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('ping timed out')), 2000).unref(),
      );
      Promise.race([deps.database.ping(), timeout]).then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}'),
        () =>
          res
            .writeHead(503, { 'content-type': 'application/json' })
            .end('{"status":"database unreachable"}'),
      );
      return;
    }
    if (req.method === 'GET' && path === '/sync/health') {
      // Apart from /readyz on purpose: a stalled sync must be seen, but GetOrCreate still works.
      const report = deps.syncHealth?.() ?? { status: 'off' };
      const failing = report.status === 'failing' || report.status === 'lagging';
      res
        .writeHead(failing ? 503 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify(report));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      deps.metrics.registry.metrics().then(
        (body) =>
          res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (path === '/webhooks/zitadel' && webhook) {
      webhook(req, res).catch((error: unknown) => {
        deps.logger.error({ err: error }, 'webhook handler crashed');
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    if (path?.startsWith(ACTIONS_PATH_PREFIX) && actions) {
      actions(req, res).catch((error: unknown) => {
        deps.logger.error({ err: error }, 'action handler crashed');
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    void rpc(req, res);
  });
}
