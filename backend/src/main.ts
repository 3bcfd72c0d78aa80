import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createSignupPolicy } from './actions/signup-policy';
import { createTokenAuthentication } from './auth/create-token-authentication';
import { readIntrospectionKeyFile } from './auth/introspection-credentials';
import { configOrExit, httpLimitsOf, loadConfig, retryPolicyOf } from './config';
import { migrateWhenReachable } from './db/migrate-when-reachable';
import { openDatabase } from './db/open-database';
import { createLogger } from './logger';
import { createMetrics } from './observability/metrics';
import { startMetricsServer } from './observability/metrics-server';
import { startPayloadRetention } from './provisioning/erase-event-payloads';
import { createReconciler, type Reconciler } from './reconciler/reconciler';
import { createServer } from './server';
import { createZitadelClient } from './zitadel-api/zitadel-client';

const config = configOrExit(loadConfig);

const logger = createLogger(config.LOG_LEVEL);
const database = await openDatabase({ url: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR });

// In containers the database may start after us: keep trying for a while, then give up loudly.
try {
  await migrateWhenReachable(database, {
    onRetry: (attempt) =>
      logger.warn({ attempt }, 'database not reachable yet, retrying migrations'),
  });
} catch (error) {
  logger.fatal({ err: error }, 'database migration failed');
  process.exit(1);
}

const metrics = createMetrics();
const authenticate = createTokenAuthentication(
  {
    issuer: config.OIDC_ISSUER,
    audience: config.OIDC_AUDIENCE,
    clientIds: config.OIDC_CLIENT_IDS,
    introspection: introspectionCredentials(),
    keySet: { maxStaleMs: config.OIDC_JWKS_MAX_STALE_SECONDS * 1000 },
    introspectionBudget: {
      maxPerSecond: config.OIDC_INTROSPECTION_MAX_PER_SECOND,
      maxConcurrent: config.OIDC_INTROSPECTION_MAX_CONCURRENT,
    },
  },
  logger,
  metrics,
);

function introspectionCredentials() {
  if (config.OIDC_INTROSPECTION_KEY_FILE) {
    try {
      const credentials = readIntrospectionKeyFile(config.OIDC_INTROSPECTION_KEY_FILE);
      const expected = config.OIDC_INTROSPECTION_CLIENT_ID;
      if (expected && expected !== credentials.clientId) {
        throw new Error(
          `the key file belongs to client ${credentials.clientId}, not OIDC_INTROSPECTION_CLIENT_ID ${expected}`,
        );
      }
      return credentials;
    } catch (error) {
      logger.fatal({ err: error }, 'OIDC_INTROSPECTION_KEY_FILE cannot be used');
      process.exit(1);
    }
  }
  if (config.OIDC_INTROSPECTION_CLIENT_ID && config.OIDC_INTROSPECTION_CLIENT_SECRET) {
    return {
      method: 'client_secret_basic' as const,
      clientId: config.OIDC_INTROSPECTION_CLIENT_ID,
      clientSecret: config.OIDC_INTROSPECTION_CLIENT_SECRET,
    };
  }
  return undefined;
}

let reconciler: Reconciler | undefined;
const server = createServer({
  database,
  authenticate,
  logger,
  metrics,
  corsOrigins: config.CORS_ORIGINS,
  limits: httpLimitsOf(config),
  returningUserCacheMs: config.RETURNING_USER_CACHE_MS,
  webhookSigningKeys: config.ZITADEL_WEBHOOK_SIGNING_KEYS,
  syncHealth: () => reconciler?.health(),
  actions: {
    signingKeys: {
      preaccesstoken: config.ZITADEL_ACTIONS_PREACCESSTOKEN_SIGNING_KEYS,
      preuserinfo: config.ZITADEL_ACTIONS_PREUSERINFO_SIGNING_KEYS,
      'add-human-user': config.ZITADEL_ACTIONS_ADD_HUMAN_USER_SIGNING_KEYS,
    },
    clientIds: config.ZITADEL_ACTIONS_CLIENT_IDS,
    policy: createSignupPolicy({
      reservedUsernames: config.SIGNUP_RESERVED_USERNAMES,
      blockedEmailDomains: config.SIGNUP_BLOCKED_EMAIL_DOMAINS,
    }),
  },
});
server.listen(config.PORT, config.HOST);
await once(server, 'listening');
const { port } = server.address() as AddressInfo;
const metricsServer =
  config.METRICS_PORT === 'off'
    ? undefined
    : await startMetricsServer(metrics, { port: config.METRICS_PORT, host: config.HOST });
logger.info(
  {
    port,
    metrics: metricsServer?.url ?? 'off',
    database: database.kind,
    issuer: config.OIDC_ISSUER,
    clientIds: config.OIDC_CLIENT_IDS,
    opaqueTokens: Boolean(
      config.OIDC_INTROSPECTION_CLIENT_ID || config.OIDC_INTROSPECTION_KEY_FILE,
    ),
  },
  `backend listening on http://${config.HOST}:${port}`,
);

reconciler =
  config.ZITADEL_API_URL && config.ZITADEL_PAT
    ? createReconciler({
        database,
        client: createZitadelClient({
          apiUrl: config.ZITADEL_API_URL,
          pat: config.ZITADEL_PAT,
          timeoutMs: config.ZITADEL_API_TIMEOUT_MS,
        }),
        intervalMs: config.RECONCILER_INTERVAL_MS,
        overlapMs: config.RECONCILER_OVERLAP_MS,
        maxLagMs: config.RECONCILER_MAX_LAG_MS,
        sweepIntervalMs: config.RECONCILER_SWEEP_INTERVAL_MS,
        retry: retryPolicyOf(config),
        settleMs: config.SYNC_PROJECTION_SETTLE_MS,
        metrics,
        logger,
      })
    : undefined;
reconciler?.start();
const retention =
  config.IDENTITY_EVENT_PAYLOAD_RETENTION_DAYS > 0
    ? startPayloadRetention({
        db: database.db,
        days: config.IDENTITY_EVENT_PAYLOAD_RETENTION_DAYS,
        logger,
      })
    : undefined;
logger.info(
  {
    webhook: config.ZITADEL_WEBHOOK_SIGNING_KEYS.length > 0,
    actionTargets: {
      preaccesstoken: config.ZITADEL_ACTIONS_PREACCESSTOKEN_SIGNING_KEYS.length > 0,
      preuserinfo: config.ZITADEL_ACTIONS_PREUSERINFO_SIGNING_KEYS.length > 0,
      addHumanUser: config.ZITADEL_ACTIONS_ADD_HUMAN_USER_SIGNING_KEYS.length > 0,
      clientIds: config.ZITADEL_ACTIONS_CLIENT_IDS,
    },
    reconciler: reconciler ? { intervalMs: config.RECONCILER_INTERVAL_MS } : false,
  },
  'server-side provisioning',
);

async function shutdown(signal: string) {
  logger.info({ signal }, 'shutting down');
  await reconciler?.stop();
  await retention?.stop();
  server.close();
  server.closeIdleConnections();
  await metricsServer?.close();
  await database.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
