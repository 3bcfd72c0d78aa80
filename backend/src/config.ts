import { z } from 'zod';
import { DEFAULT_BLOCKED_EMAIL_DOMAINS, DEFAULT_RESERVED_USERNAMES } from './actions/signup-policy';
import { DEFAULT_INTROSPECTION_BUDGET } from './auth/introspection-budget';
import { parseEnv } from './read-env';
import { DEFAULT_RETURNING_USER_CACHE_MS } from './user/returning-user-cache';

export { ConfigError, configOrExit } from './read-env';

const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

/** The HTTP limits' defaults; tests start servers with them too. */
export const HTTP_LIMIT_DEFAULTS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
} as const;

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const fields = {
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  // Prometheus scrapes GET /metrics here, on HOST; 0: any free port (tests); off: no listener.
  METRICS_PORT: z
    .union([z.literal('off'), z.coerce.number().int().min(0).max(65535)])
    .default(9464),
  // A client must have sent a request's headers by then (slowloris), and the whole request by
  // HTTP_REQUEST_TIMEOUT_MS; both are answered 408 and the connection closed.
  HTTP_HEADERS_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(HTTP_LIMIT_DEFAULTS.headersTimeoutMs),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(HTTP_LIMIT_DEFAULTS.requestTimeoutMs),
  // Idle keep-alive connections close after this; behind a proxy that reuses connections, set it
  // above the proxy's idle timeout, or the proxy may send on a connection being closed.
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(HTTP_LIMIT_DEFAULTS.keepAliveTimeoutMs),
  // Connections open at once on PORT; more are closed as soon as they are accepted.
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(HTTP_LIMIT_DEFAULTS.maxConnections),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' })
    .optional(),
  PGLITE_DIR: z.string().min(1).default('.data/pglite'),
  OIDC_ISSUER: httpUrl.transform((url) => url.replace(/\/+$/, '')),
  // Dev only: accept an http:// OIDC_ISSUER and ZITADEL_API_URL on a host that is not loopback
  // (docker compose reaches ZITADEL by service name over plain HTTP). Anywhere else tokens, PATs
  // and introspection secrets would cross the network in clear text: https is required.
  OIDC_ALLOW_INSECURE_ISSUER: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true'),
  OIDC_AUDIENCE: commaList.pipe(z.array(z.string()).min(1, 'must name at least one audience')),
  // The clients (ZITADEL: the SPA app's client id) whose access tokens this API accepts. Every
  // app and machine user of the instance can get a token with the project in its audience.
  OIDC_CLIENT_IDS: commaList.pipe(z.array(z.string()).min(1, 'must name at least one client id')),
  // Opaque access tokens are checked at the issuer's introspection endpoint (RFC 7662) with the
  // API application's credentials: a client id and secret (client_secret_basic), or ZITADEL's
  // JSON key file (private_key_jwt). Unset: only JWT access tokens are accepted.
  OIDC_INTROSPECTION_CLIENT_ID: z.string().min(1).optional(),
  OIDC_INTROSPECTION_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_INTROSPECTION_KEY_FILE: z.string().min(1).optional(),
  // Introspection requests (opaque tokens) this replica may send per second, and at once; past
  // either, a call is answered `unavailable` at once (docs/decisions/031).
  OIDC_INTROSPECTION_MAX_PER_SECOND: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_INTROSPECTION_BUDGET.maxPerSecond),
  OIDC_INTROSPECTION_MAX_CONCURRENT: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_INTROSPECTION_BUDGET.maxConcurrent),
  // While the issuer's key set cannot be refetched, keep verifying with the last one fetched for
  // at most this long.
  OIDC_JWKS_MAX_STALE_SECONDS: z.coerce.number().int().min(0).default(3600),
  // A returning user's row is answered from memory for at most this long after it was read;
  // every replica also forgets it as soon as any replica commits a change to it (LISTEN/NOTIFY,
  // docs/decisions/027). 0: every call reads the database.
  RETURNING_USER_CACHE_MS: z.coerce.number().int().min(0).default(DEFAULT_RETURNING_USER_CACHE_MS),
  CORS_ORIGINS: commaList.pipe(z.array(z.url({ error: 'each origin must be a URL' }))).default([]),
  // Actions v2 target signing keys, comma-separated (several during rotation). Unset: the
  // webhook endpoint is off.
  ZITADEL_WEBHOOK_SIGNING_KEYS: commaList.default([]),
  // Actions v2 restCall targets: each target's own signing keys (ZITADEL's CreateTarget returns
  // one per target; several during rotation). A key verifies only its own target's calls
  // (docs/decisions/029). Unset: that target answers 404.
  ZITADEL_ACTIONS_PREACCESSTOKEN_SIGNING_KEYS: commaList.default([]),
  ZITADEL_ACTIONS_PREUSERINFO_SIGNING_KEYS: commaList.default([]),
  ZITADEL_ACTIONS_ADD_HUMAN_USER_SIGNING_KEYS: commaList.default([]),
  // Only tokens for these client ids are enriched (and their users provisioned); unset: the
  // OIDC_CLIENT_IDS. A function execution runs for every application of the instance, the
  // console's too.
  ZITADEL_ACTIONS_CLIENT_IDS: commaList.optional(),
  // Refused at signup as a username or an email's local part, case-insensitively.
  SIGNUP_RESERVED_USERNAMES: commaList.default([...DEFAULT_RESERVED_USERNAMES]),
  // Refused at signup as an email domain (and their subdomains).
  SIGNUP_BLOCKED_EMAIL_DOMAINS: commaList.default([...DEFAULT_BLOCKED_EMAIL_DOMAINS]),
  // Event API access for the reconciler; both or neither. Unset: the reconciler is off.
  ZITADEL_API_URL: httpUrl.transform((url) => url.replace(/\/+$/, '')).optional(),
  ZITADEL_PAT: z.string().min(1).optional(),
  RECONCILER_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  RECONCILER_OVERLAP_MS: z.coerce.number().int().min(0).default(5_000),
  // /sync/health answers 503 (lagging) when the checkpoint is older than this while newer
  // events exist.
  RECONCILER_MAX_LAG_MS: z.coerce.number().int().min(1000).default(60_000),
  // The reconciler's leader lists every user through ListUsers this often (and at start-up after
  // a longer gap): creates the missing, updates the stale, removes the gone. 0: no sweep.
  RECONCILER_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(3_600_000),
  // A ZITADEL call that has not answered by then is abandoned and tried again.
  ZITADEL_API_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  // Tries per ZITADEL call (5xx, timeout, malformed page), waiting SYNC_RETRY_BASE_MS, then
  // twice as long each time (at most 8 s), before the poll or the backfill fails loudly.
  SYNC_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(6),
  SYNC_RETRY_BASE_MS: z.coerce.number().int().min(1).default(500),
  // When ZITADEL's user projection has processed nothing after a dense instant, ListUsers must
  // give the same answer for this long before the instant counts as complete.
  SYNC_PROJECTION_SETTLE_MS: z.coerce.number().int().min(0).default(2_000),
  // identity_events payloads of events older than this many days become `{}` (hourly, on every
  // replica); 0 keeps them. The users table already holds what they said.
  IDENTITY_EVENT_PAYLOAD_RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

// Variables no longer read: set, they stop the start with what replaced them, rather than
// leaving a target off (or open) without a word. Not in CONFIG_KEYS: nothing documents them.
const REPLACED = {
  ZITADEL_ACTIONS_SIGNING_KEYS: z
    .never({
      error:
        'was replaced by one list per target (a key verifies only its own target): ZITADEL_ACTIONS_PREACCESSTOKEN_SIGNING_KEYS, ZITADEL_ACTIONS_PREUSERINFO_SIGNING_KEYS, ZITADEL_ACTIONS_ADD_HUMAN_USER_SIGNING_KEYS',
    })
    .optional(),
};

const schema = z.object({ ...fields, ...REPLACED });

/** Every variable the backend reads; each one is documented in backend/.env.example (tested). */
export const CONFIG_KEYS = Object.keys(fields) as readonly (keyof typeof fields)[];

const refined = schema.superRefine((config, context) => {
  if (config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS) {
    context.addIssue({
      code: 'custom',
      path: ['HTTP_HEADERS_TIMEOUT_MS'],
      message:
        'must not be longer than HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)',
    });
  }
  if (config.OIDC_INTROSPECTION_CLIENT_SECRET && config.OIDC_INTROSPECTION_KEY_FILE) {
    context.addIssue({
      code: 'custom',
      path: ['OIDC_INTROSPECTION_KEY_FILE'],
      message: 'and OIDC_INTROSPECTION_CLIENT_SECRET are two ways to authenticate: set one',
    });
  }
  if (
    Boolean(config.OIDC_INTROSPECTION_CLIENT_ID) !==
      Boolean(config.OIDC_INTROSPECTION_CLIENT_SECRET) &&
    !config.OIDC_INTROSPECTION_KEY_FILE
  ) {
    context.addIssue({
      code: 'custom',
      path: [
        config.OIDC_INTROSPECTION_CLIENT_ID
          ? 'OIDC_INTROSPECTION_CLIENT_SECRET'
          : 'OIDC_INTROSPECTION_CLIENT_ID',
      ],
      message:
        'must be set together with the other (OIDC_INTROSPECTION_CLIENT_ID and OIDC_INTROSPECTION_CLIENT_SECRET)',
    });
  }
  for (const key of ['OIDC_ISSUER', 'ZITADEL_API_URL'] as const) {
    const url = config[key];
    if (url && !config.OIDC_ALLOW_INSECURE_ISSUER && !isSafeTransport(url)) {
      context.addIssue({
        code: 'custom',
        path: [key],
        message:
          'must be https:// (http:// only on loopback: localhost, 127.0.0.0/8, ::1); for a dev-only network such as docker compose set OIDC_ALLOW_INSECURE_ISSUER=true',
      });
    }
  }
  if (Boolean(config.ZITADEL_API_URL) !== Boolean(config.ZITADEL_PAT)) {
    context.addIssue({
      code: 'custom',
      path: [config.ZITADEL_API_URL ? 'ZITADEL_PAT' : 'ZITADEL_API_URL'],
      message: 'must be set together with the other (ZITADEL_API_URL and ZITADEL_PAT)',
    });
  }
});

const withDefaults = refined.transform((config) => ({
  ...config,
  ZITADEL_ACTIONS_CLIENT_IDS: config.ZITADEL_ACTIONS_CLIENT_IDS ?? config.OIDC_CLIENT_IDS,
}));

export type Config = z.output<typeof withDefaults>;

/** https, or http to this machine only (localhost, 127.0.0.0/8, ::1). */
export function isSafeTransport(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return true;
  const host = parsed.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(withDefaults, env);
}

// The sync commands (backfill, drift) need only the database and the Event API.
const syncSchema = z
  .object({
    DATABASE_URL: fields.DATABASE_URL,
    PGLITE_DIR: fields.PGLITE_DIR,
    ZITADEL_API_URL: fields.ZITADEL_API_URL.unwrap(),
    ZITADEL_PAT: fields.ZITADEL_PAT.unwrap(),
    ZITADEL_API_TIMEOUT_MS: fields.ZITADEL_API_TIMEOUT_MS,
    SYNC_RETRY_ATTEMPTS: fields.SYNC_RETRY_ATTEMPTS,
    SYNC_RETRY_BASE_MS: fields.SYNC_RETRY_BASE_MS,
    SYNC_PROJECTION_SETTLE_MS: fields.SYNC_PROJECTION_SETTLE_MS,
    OIDC_ALLOW_INSECURE_ISSUER: fields.OIDC_ALLOW_INSECURE_ISSUER,
  })
  .superRefine((config, context) => {
    if (!config.OIDC_ALLOW_INSECURE_ISSUER && !isSafeTransport(config.ZITADEL_API_URL)) {
      context.addIssue({
        code: 'custom',
        path: ['ZITADEL_API_URL'],
        message:
          'must be https:// (http:// only on loopback); for a dev-only network set OIDC_ALLOW_INSECURE_ISSUER=true',
      });
    }
  });

export type SyncConfig = z.infer<typeof syncSchema>;

export function loadSyncConfig(env: Record<string, string | undefined> = process.env): SyncConfig {
  return parseEnv(syncSchema, env);
}

/** The API port's limits, from the HTTP_* keys. */
export function httpLimitsOf(config: Config) {
  return {
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: config.HTTP_MAX_CONNECTIONS,
  };
}

/** The retry policy for calls to ZITADEL, from SYNC_RETRY_ATTEMPTS and SYNC_RETRY_BASE_MS. */
export function retryPolicyOf(
  config: Pick<SyncConfig, 'SYNC_RETRY_ATTEMPTS' | 'SYNC_RETRY_BASE_MS'>,
) {
  return {
    attempts: config.SYNC_RETRY_ATTEMPTS,
    baseDelayMs: config.SYNC_RETRY_BASE_MS,
    maxDelayMs: Math.max(config.SYNC_RETRY_BASE_MS, 8000),
  };
}
