import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { UserService } from '@liverty-music/gen/user/v1';
import {
  createTokenAuthentication,
  type TokenAuthenticationSettings,
} from '../../src/auth/create-token-authentication';
import type { DatabaseHandle } from '../../src/db/open-database';
import { createMetrics } from '../../src/http/metrics';
import { createLogger, type Logger } from '../../src/logger';
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
  logger?: Logger;
  webhookSigningKeys?: string[];
  actions?: ServerDeps['actions'];
  returningUserCacheMs?: number;
}) {
  const logger = options.logger ?? createLogger('silent');
  const server = createServer({
    database: options.database,
    authenticate: createTokenAuthentication(
      {
        issuer: options.issuer,
        audience: options.audience,
        clientIds: options.clientIds ?? [TEST_CLIENT_ID],
        introspection: options.introspection,
        keySet: options.keySet,
      },
      logger,
    ),
    logger,
    metrics: createMetrics(),
    corsOrigins: [APP_ORIGIN],
    webhookSigningKeys: options.webhookSigningKeys ?? [],
    ...(options.returningUserCacheMs === undefined
      ? {}
      : { returningUserCacheMs: options.returningUserCacheMs }),
    ...(options.actions ? { actions: options.actions } : {}),
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

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
    client,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
