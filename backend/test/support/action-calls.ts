import { once } from 'node:events';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createSignupPolicy } from '../../src/actions/signup-policy';
import type { DatabaseHandle } from '../../src/db/open-database';
import { startTestServer } from './start-test-server';
import { sign } from './zitadel-events';

/** Each target's own key (ZITADEL: CreateTarget returns one per target), and one being rotated out. */
export const TARGET_KEYS = {
  preaccesstoken: 'preaccesstoken-dev-signing-key',
  preuserinfo: 'preuserinfo-dev-signing-key',
  'add-human-user': 'add-human-user-dev-signing-key',
} as const;
export const PREVIOUS_PREACCESSTOKEN_KEY = 'previous-preaccesstoken-dev-signing-key';
export type TargetName = keyof typeof TARGET_KEYS;

/**
 * A function execution body as ZITADEL sends it (`internal/api/oidc/userinfo.go` ContextInfo,
 * `user` being `internal/query/user.go` User with snake_case JSON tags).
 */
export function functionContext(options: {
  userId: string;
  email?: string;
  givenName?: string;
  familyName?: string;
  clientId?: string;
  function?: string;
  machine?: boolean;
  /** ZITADEL's user projection sequence the profile is as of; 3 unless said. */
  sequence?: number;
}) {
  const givenName = options.givenName ?? 'Minnie';
  const familyName = options.familyName ?? 'Mouse';
  return JSON.stringify({
    function: options.function ?? 'function.preaccesstoken',
    userinfo: { sub: options.userId },
    user: {
      id: options.userId,
      creation_date: '2025-09-05T08:55:36.156333Z',
      change_date: '2025-09-05T08:55:36.156333Z',
      resource_owner: '336392597046099971',
      sequence: options.sequence ?? 3,
      state: 1,
      type: options.machine ? 2 : 1,
      username: options.email ?? 'svc',
      login_names: [options.email ?? 'svc'],
      preferred_login_name: options.email ?? 'svc',
      ...(options.machine
        ? { machine: { name: 'a service', description: '' } }
        : {
            human: {
              first_name: givenName,
              last_name: familyName,
              display_name: `${givenName} ${familyName}`,
              preferred_language: 'en',
              gender: 1,
              email: options.email ?? 'minnie@example.com',
              is_email_verified: true,
              password_changed: '2025-09-05T08:55:36.156333Z',
            },
          }),
    },
    org: {
      id: '336392597046099971',
      name: 'liverty-music',
      primary_domain: 'liverty-music.localhost',
    },
    application: { client_id: options.clientId ?? 'spa-client' },
  });
}

/**
 * A request execution body for AddHumanUser as Login V2 sends it (ContextInfoRequest in
 * `connect_middleware/execution_interceptor.go`; `request` as protojson of
 * `zitadel.user.v2.AddHumanUserRequest`, with the plaintext password in `password.password`).
 */
export function addHumanUserContext(options: {
  username?: string;
  email: string;
  password: string;
}) {
  return JSON.stringify({
    fullMethod: '/zitadel.user.v2.UserService/AddHumanUser',
    instanceID: '336392597046034435',
    orgID: '336392597046099971',
    projectID: '336392597046165507',
    userID: '336392597046755331',
    request: {
      ...(options.username ? { username: options.username } : {}),
      organization: { orgId: '336392597046099971' },
      profile: { givenName: 'Minnie', familyName: 'Mouse' },
      email: { email: options.email, sendCode: {} },
      password: { password: options.password, changeRequired: false },
    },
    headers: { 'Content-Type': ['application/grpc'], Host: ['localhost:8080'] },
  });
}

/** The real server with the action targets on, and every log line kept for inspection. */
export async function startActionsServer(options: {
  database: DatabaseHandle;
  issuer: string;
  audience: string[];
  clientIds?: string[];
  /** The enricher's database budget; high by default so a busy machine cannot fail a test. */
  deadlineMs?: number;
}) {
  const lines: string[] = [];
  const logger = pino(
    { level: 'trace' },
    new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    }),
  );
  const server = await startTestServer({
    database: options.database,
    issuer: options.issuer,
    audience: options.audience,
    logger,
    actions: {
      signingKeys: {
        preaccesstoken: [TARGET_KEYS.preaccesstoken, PREVIOUS_PREACCESSTOKEN_KEY],
        preuserinfo: [TARGET_KEYS.preuserinfo],
        'add-human-user': [TARGET_KEYS['add-human-user']],
      },
      clientIds: options.clientIds ?? [],
      deadlineMs: options.deadlineMs ?? 10_000,
      policy: createSignupPolicy({
        reservedUsernames: ['admin', 'root', 'support', 'liverty-music'],
        blockedEmailDomains: ['mailinator.com'],
      }),
    },
  });
  const baseUrl = server.baseUrl;
  return {
    baseUrl,
    metricsUrl: server.metricsUrl,
    logs: lines,
    call(target: string, body: string, headers?: Record<string, string>) {
      return fetch(`${baseUrl}/actions/zitadel/${target}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(headers ?? {
            'zitadel-signature': sign(
              body,
              TARGET_KEYS[target as TargetName] ?? TARGET_KEYS.preaccesstoken,
            ),
          }),
        },
        body,
      });
    },
    client: () => server.client(),
    close: () => server.close(),
  };
}

/**
 * A "database" that accepts connections and never answers: what a hung Postgres or a dropped
 * network looks like to the driver. Counts the connections it was offered.
 */
export async function startBlackHole() {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `postgres://postgres@127.0.0.1:${(server.address() as AddressInfo).port}/none`,
    connections: () => connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
