import type { IncomingMessage, ServerResponse } from 'node:http';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import {
  ACTIONS_PATH_PREFIX,
  type ActionsDeps,
  createActionsHandler,
} from './actions/actions-handler';
import type { SignupPolicy } from './actions/signup-policy';
import type { Authenticate } from './auth/authenticate';
import type { DatabaseHandle } from './db/open-database';
import { applyCors } from './http/cors';
import { healthRoutes } from './http/health-routes';
import {
  type BackendServer,
  type HttpLimits,
  listenHttp1AndH2c,
} from './http/listen-http1-and-h2c';
import { type Route, routeTable } from './http/route-table';
import { answerUndecodableBodyAsInvalidArgument } from './http/undecodable-body-as-invalid-argument';
import type { Logger } from './logger';
import type { Metrics } from './observability/metrics';
import { createRoutes } from './routes';
import { DEFAULT_RETURNING_USER_CACHE_MS } from './user/returning-user-cache';
import { createWebhookHandler } from './webhooks/webhook-handler';

export interface ServerDeps {
  database: DatabaseHandle;
  authenticate: Authenticate;
  logger: Logger;
  metrics: Metrics;
  corsOrigins: readonly string[];
  limits: HttpLimits;
  /** RETURNING_USER_CACHE_MS (docs/decisions/027). */
  returningUserCacheMs?: number;
  /** Empty: the webhook endpoint answers 404. */
  webhookSigningKeys?: readonly string[];
  /** The reconciler's health for `GET /sync/health`; undefined while the reconciler is off. */
  syncHealth?: () => { status: string } | undefined;
  /** Actions v2 restCall targets; a target without signing keys answers 404. */
  actions?: {
    signingKeys: ActionsDeps['signingKeys'];
    clientIds: readonly string[];
    policy: SignupPolicy;
    deadlineMs?: number;
  };
}

// GetOrCreate bodies are a few bytes; anything near this is abuse.
const MAX_REQUEST_BYTES = 64 * 1024;

/**
 * The API on one port: the Connect RPCs over Connect, gRPC-web and gRPC (HTTP/1.1, and HTTP/2
 * without TLS for gRPC), and the plain HTTP endpoints over HTTP/1.1. Metrics are served apart
 * (observability/metrics-server.ts).
 */
export function createServer(deps: ServerDeps): BackendServer {
  const origins = new Set(deps.corsOrigins);
  const rpc = answerUndecodableBodyAsInvalidArgument(
    connectNodeAdapter({
      routes: createRoutes({
        database: deps.database,
        authenticate: deps.authenticate,
        logger: deps.logger,
        metrics: deps.metrics,
        returningUserCacheMs: deps.returningUserCacheMs ?? DEFAULT_RETURNING_USER_CACHE_MS,
      }),
      readMaxBytes: MAX_REQUEST_BYTES,
    }),
  );

  const routes: Route[] = [...healthRoutes(deps)];
  if (deps.webhookSigningKeys && deps.webhookSigningKeys.length > 0) {
    routes.push({
      path: '/webhooks/zitadel',
      handle: createWebhookHandler({
        db: deps.database.db,
        signingKeys: deps.webhookSigningKeys,
        logger: deps.logger,
        metrics: deps.metrics,
      }),
    });
  }
  if (deps.actions && Object.values(deps.actions.signingKeys).some((keys) => keys.length > 0)) {
    routes.push({
      path: ACTIONS_PATH_PREFIX,
      prefix: true,
      handle: createActionsHandler({
        ...deps.actions,
        database: deps.database,
        logger: deps.logger,
        metrics: deps.metrics,
      }),
    });
  }
  // Everything else is the adapter's: an RPC path, or its 404.
  const route = routeTable(routes, rpc, deps.logger);

  const http1 = (req: IncomingMessage, res: ServerResponse) => {
    if (applyCors(origins, req, res)) return;
    route(req, res);
  };
  // HTTP/2 without TLS is what gRPC clients speak; browsers never do, so no CORS, and the plain
  // HTTP endpoints stay HTTP/1.1 (the adapter answers their paths 404). A body left unread by an
  // early answer is drained by the HTTP/1.1 server itself (http/drain-unread-body.ts).
  const server = listenHttp1AndH2c(http1, rpc, deps.limits, deps.logger);
  deps.metrics.observeConnections(server);
  return server;
}
