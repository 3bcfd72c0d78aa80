import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { UserService } from '@liverty-music/gen/user/v1';
import {
  createTokenAuthentication,
  type TokenAuthenticationSettings,
} from '../../src/auth/create-token-authentication';
import { HTTP_LIMIT_DEFAULTS } from '../../src/config';
import type { DatabaseHandle } from '../../src/db/open-database';
import type { HttpLimits } from '../../src/http/listen-http1-and-h2c';
import { createLogger, type Logger } from '../../src/logger';
import { createMetrics } from '../../src/observability/metrics';
import { startMetricsServer } from '../../src/observability/metrics-server';
import { createServer, type ServerDeps } from '../../src/server';
import { TEST_CLIENT_ID } from './test-issuer';

export const APP_ORIGIN = 'http://localhost:5173';

/** The real server on port 0, wired exactly as main.ts wires it. */
export async function startTestServer(options: {
  database: DatabaseHandle;
  issuer: string;
  audience: string[];
  /** Default: the test issuer's SPA client. */
  clientIds?: string[];
  introspection?: TokenAuthenticationSettings['introspection'];
  keySet?: TokenAuthenticationSettings['keySet'];
  introspectionBudget?: TokenAuthenticationSettings['introspectionBudget'];
  logger?: Logger;
  webhookSigningKeys?: string[];
  actions?: ServerDeps['actions'];
  limits?: Partial<HttpLimits>;
  returningUserCacheMs?: number;
}) {
  const logger = options.logger ?? createLogger('silent');
  const metrics = createMetrics();
  const server = createServer({
    database: options.database,
    authenticate: createTokenAuthentication(
      {
        issuer: options.issuer,
        audience: options.audience,
        clientIds: options.clientIds ?? [TEST_CLIENT_ID],
        introspection: options.introspection,
        keySet: options.keySet,
        ...(options.introspectionBudget
          ? { introspectionBudget: options.introspectionBudget }
          : {}),
      },
      logger,
      metrics,
    ),
    logger,
    metrics,
    corsOrigins: [APP_ORIGIN],
    limits: { ...HTTP_LIMIT_DEFAULTS, ...options.limits },
    webhookSigningKeys: options.webhookSigningKeys ?? [],
    ...(options.returningUserCacheMs === undefined
      ? {}
      : { returningUserCacheMs: options.returningUserCacheMs }),
    ...(options.actions ? { actions: options.actions } : {}),
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const metricsServer = await startMetricsServer(metrics, { port: 0, host: '127.0.0.1' });

  function client(options: { binary?: boolean } = {}) {
    return createClient(
      UserService,
      createConnectTransport({
        baseUrl,
        httpVersion: '1.1',
        useBinaryFormat: options.binary ?? false,
      }),
    );
  }

  return {
    baseUrl,
    metricsUrl: metricsServer.url,
    client,
    async close() {
      server.closeAllConnections();
      await Promise.all([new Promise((resolve) => server.close(resolve)), metricsServer.close()]);
    },
  };
}
