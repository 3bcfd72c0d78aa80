import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type {
  ListEventsRequestJson,
  ListEventsResponseJson,
} from '@zitadel/proto/zitadel/admin_pb';
import type Provider from 'oidc-provider';
import { AccessTokenVerifier } from './access-token-verifier.ts';
import { ACCOUNT_PAGE_PATH, handleAccountPage } from './account-page.ts';
import { type ActionTarget, type ActionTargetName, ActionTargets } from './action-targets.ts';
import { applyCors, originsOf } from './cors.ts';
import {
  type AccessTokenType,
  createProvider,
  ROUTES,
  type TokenLifetimes,
} from './create-provider.ts';
import { loadOrCreateSecret, readJsonIfExists, writeJsonAtomic } from './data-files.ts';
import { DEV_ADMIN_PREFIX, handleDevAdmin } from './dev-admin-api.ts';
import { devAdminHosts } from './dev-admin-guard.ts';
import { type EventListener, EventLog, type LoggedEvent } from './event-log.ts';
import { listEvents } from './event-search.ts';
import { INSTANCE_ID, ORG_ID } from './fixed-identities.ts';
import { sendJson, sendText } from './http-io.ts';
import { handleInteraction, isInteractionPath } from './interaction-routes.ts';
import { handleIntrospection, type IntrospectionClient } from './introspection-endpoint.ts';
import { OidcStateStore } from './oidc-state-store.ts';
import { Organisations } from './organisations.ts';
import { logRequest } from './request-log.ts';
import { type PublicSigningJwk, SigningKeyRing } from './signing-keys.ts';
import {
  type BurstOptions,
  type BurstResult,
  type NewUserInput,
  UserAccounts,
  type UserPatch,
} from './user-accounts.ts';
import { type User, UserStore } from './user-store.ts';
import { handleUserinfo } from './userinfo-endpoint.ts';
import { WebhookDispatcher } from './webhook-delivery.ts';
import { handleZitadelApi, isZitadelApiPath } from './zitadel-api.ts';
import { toProviderIdTokenHint } from './zitadel-id-token.ts';

export const DEFAULTS = {
  issuer: 'http://127.0.0.1:8080',
  host: '127.0.0.1',
  clientId: 'liverty-music-spa',
  projectId: '336500000000000100',
  redirectUris: ['http://localhost:5173/callback', 'http://127.0.0.1:5173/callback'],
  postLogoutRedirectUris: ['http://localhost:5173/', 'http://127.0.0.1:5173/'],
  dataDir: '.local-idp',
  lifetimes: {
    accessToken: 12 * 3600,
    idToken: 12 * 3600,
    refreshTokenIdle: 30 * 24 * 3600,
    refreshTokenAbsolute: 90 * 24 * 3600,
  } satisfies TokenLifetimes,
} as const;

export interface LocalIdpOptions {
  /** Public issuer URL (origin only, no path). Default: `http://<host>:<actual port>`. */
  issuer?: string;
  /** Port to listen on; 0 picks a free one. Default: the issuer's port, or 8080. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  clientId?: string;
  /** The ZITADEL project id: part of the access token `aud`. 18 digits. */
  projectId?: string;
  /**
   * The SPA app's access token type: `jwt` (default here, what zitadel-setup configures) or
   * `opaque` (ZITADEL's default, BEARER), which resource servers must introspect.
   */
  accessTokenType?: AccessTokenType;
  /** API applications of the project that may introspect tokens. Default: none. */
  introspectionClients?: IntrospectionClient[];
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** Where keys, users, events and secrets live. Default `.local-idp` in the cwd. */
  dataDir?: string;
  /** PAT for the Event API. Default: generated once and stored in `<dataDir>/admin.pat`. */
  adminPat?: string;
  webhookTargets?: string[];
  /** HMAC key for `ZITADEL-Signature`. Default: generated once, stored in `<dataDir>/webhook-signing-key`. */
  webhookSigningKey?: string;
  /** Per-delivery timeout, default 10 000 ms (ZITADEL requires one per target). */
  webhookTimeoutMs?: number;
  /**
   * Actions v2 restCall targets, called as ZITADEL calls them: URLs for the functions
   * `preaccesstoken` and `preuserinfo` (interruptOnError false unless given) and for the request
   * execution on AddHumanUser (interruptOnError true unless given).
   */
  actionTargets?: {
    preAccessToken?: string | ActionTarget;
    preUserinfo?: string | ActionTarget;
    addHumanUser?: string | ActionTarget;
    /**
     * Each target's own key, as ZITADEL gives each target its own. Default: generated once per
     * target, stored in `<dataDir>/actions-<target>-signing-key`.
     */
    signingKeys?: Partial<Record<ActionTargetName, string>>;
    /** Per call, default 5000 ms. */
    timeoutMs?: number;
  };
  /** Token lifetimes in seconds (ZITADEL defaults otherwise). */
  tokenLifetimes?: Partial<TokenLifetimes>;
  /** Receives one line per request and operational messages; `false` silences. Default console.log. */
  log?: ((line: string) => void) | false;
}

export interface LocalIdpUsers {
  list(): User[];
  get(id: string): User | undefined;
  findByEmail(email: string): User | undefined;
  create(input: NewUserInput): Promise<User>;
  update(id: string, patch: UserPatch): Promise<User>;
  deactivate(id: string): User;
  reactivate(id: string): User;
  lock(id: string): User;
  unlock(id: string): User;
  remove(id: string): User;
  /** DEV-ONLY: a burst of users in one transaction, or paced at `perSecond` (see BurstOptions). */
  createBurst(options: BurstOptions): Promise<BurstResult>;
}

export interface LocalIdpEvents {
  /** Every event, oldest first. */
  all(): readonly LoggedEvent[];
  /** Same semantics and response shape as `POST /admin/v1/events/_search`. */
  search(request?: ListEventsRequestJson): ListEventsResponseJson;
  onAppend(listener: EventListener): () => void;
}

export interface LocalIdpWebhooks {
  readonly targets: readonly string[];
  readonly signingKey: string;
  setTargets(targets: string[]): void;
  /** Resolves when every delivery started so far has finished or been dropped. */
  idle(): Promise<void>;
}

export interface LocalIdp {
  issuer: string;
  /** Where the server actually listens, e.g. `http://127.0.0.1:54321`. */
  url: string;
  port: number;
  clientId: string;
  projectId: string;
  orgId: string;
  instanceId: string;
  dataDir: string;
  redirectUris: readonly string[];
  postLogoutRedirectUris: readonly string[];
  /** The Event API PAT (dev-only secret). */
  adminPat: string;
  /** HMAC keys of the Actions v2 restCall targets, one per target (dev-only secrets). */
  actionsSigningKeys: Readonly<Record<ActionTargetName, string>>;
  users: LocalIdpUsers;
  events: LocalIdpEvents;
  webhooks: LocalIdpWebhooks;
  /** The published JWKS (all keys, current first). */
  jwks(): { keys: PublicSigningJwk[] };
  readonly currentKid: string;
  /** Adds a new current signing key; older keys stay published. Returns the new kid. */
  rotateKeys(): Promise<string>;
  close(): Promise<void>;
}

function normalizeIssuer(issuer: string): string {
  const url = URL.parse(issuer);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new Error(`issuer must be an http(s) URL: ${issuer}`);
  if (url.pathname !== '/' || url.search || url.hash || url.username) {
    // ZITADEL's issuer is the bare origin and every endpoint path is absolute; so is ours.
    throw new Error(`issuer must be an origin without path, query or credentials: ${issuer}`);
  }
  return url.origin;
}

function defaultPort(issuer: string | undefined): number {
  if (issuer === undefined) return 8080;
  const url = new URL(issuer);
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

function loadOrCreateCookieKeys(dataDir: string): string[] {
  const path = join(dataDir, 'cookie-keys.json');
  const stored = readJsonIfExists<{ keys?: unknown }>(path);
  if (
    Array.isArray(stored?.keys) &&
    stored.keys.length > 0 &&
    stored.keys.every((key) => typeof key === 'string')
  ) {
    return stored.keys as string[];
  }
  const keys = [randomBytes(32).toString('base64url')];
  writeJsonAtomic(path, { keys });
  return keys;
}

/** Starts the local IdP (listening before it resolves) and returns a handle to drive and stop it. */
export async function startLocalIdp(options: LocalIdpOptions = {}): Promise<LocalIdp> {
  const log =
    options.log === false ? () => {} : (options.log ?? ((line: string) => console.log(line)));
  const configuredIssuer =
    options.issuer === undefined ? undefined : normalizeIssuer(options.issuer);
  const host = options.host ?? DEFAULTS.host;
  const port = options.port ?? defaultPort(configuredIssuer);
  const clientId = options.clientId ?? DEFAULTS.clientId;
  const projectId = options.projectId ?? DEFAULTS.projectId;
  const accessTokenType = options.accessTokenType ?? 'jwt';
  const introspectionClients = [...(options.introspectionClients ?? [])];
  if (!/^\d{1,20}$/.test(projectId))
    throw new Error(`projectId must be a decimal id: ${projectId}`);
  const redirectUris = [...(options.redirectUris ?? DEFAULTS.redirectUris)];
  const postLogoutRedirectUris = [
    ...(options.postLogoutRedirectUris ?? DEFAULTS.postLogoutRedirectUris),
  ];
  const lifetimes: TokenLifetimes = { ...DEFAULTS.lifetimes, ...options.tokenLifetimes };
  const dataDir = resolve(options.dataDir ?? DEFAULTS.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  const cookieKeys = loadOrCreateCookieKeys(dataDir);
  const adminPat =
    options.adminPat ??
    loadOrCreateSecret(join(dataDir, 'admin.pat'), () => randomBytes(48).toString('base64url'));
  const webhookSigningKey =
    options.webhookSigningKey ??
    loadOrCreateSecret(join(dataDir, 'webhook-signing-key'), () =>
      randomBytes(24).toString('base64url'),
    );
  const keyRing = SigningKeyRing.loadOrCreate(dataDir);
  const state = new OidcStateStore(dataDir);
  const userStore = new UserStore(dataDir);
  const events = new EventLog(dataDir, {
    instanceId: INSTANCE_ID,
    resourceOwner: ORG_ID,
    resourceOwnerOf: (id) => userStore.get(id)?.orgId,
  });
  const orgs = new Organisations(dataDir, { events, users: userStore, defaultOrgId: ORG_ID });
  const actions = createActionTargets(
    options.actionTargets,
    dataDir,
    log,
    (userId) => events.aggregate(userId)?.sequence,
  );
  const accounts = new UserAccounts(userStore, events, (input) => actions.addHumanUser(input));
  const webhooks = new WebhookDispatcher({
    targets: options.webhookTargets ?? [],
    signingKey: webhookSigningKey,
    ...(options.webhookTimeoutMs === undefined ? {} : { timeoutMs: options.webhookTimeoutMs }),
    log,
  });
  events.onAppend((event) => webhooks.dispatch(event));
  const corsOrigins = originsOf([...redirectUris, ...postLogoutRedirectUris]);

  // Set once listening (the issuer may depend on the port the OS picked).
  let issuer = configuredIssuer ?? '';
  let provider: Provider | undefined;
  let providerHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let verifier: AccessTokenVerifier | undefined;
  let devHosts: Set<string> = new Set();

  const buildProvider = () => {
    provider = createProvider({
      issuer,
      clientId,
      projectId,
      accessTokenType,
      redirectUris,
      postLogoutRedirectUris,
      signingKeys: keyRing.privateJwks(),
      cookieKeys,
      state,
      users: accounts,
      lifetimes,
      onServerError: (error) => log(`oidc-provider server_error: ${error.message}`),
      actions,
    });
    providerHandler = provider.callback() as (req: IncomingMessage, res: ServerResponse) => void;
  };

  const rotateKeys = async (): Promise<string> => {
    const kid = keyRing.rotate();
    // oidc-provider's keystore is fixed at construction, so a rotation swaps in a new provider that
    // shares the same state store and cookie keys: sessions and in-flight logins carry over.
    buildProvider();
    log(`signing keys rotated; current kid ${kid}`);
    return kid;
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://local-idp.invalid');
    const path = url.pathname;
    if (!provider || !providerHandler || !verifier) {
      sendText(res, 503, 'starting');
      return;
    }
    if (path === DEV_ADMIN_PREFIX || path.startsWith(`${DEV_ADMIN_PREFIX}/`)) {
      return handleDevAdmin(req, res, path, {
        guard: { hosts: devHosts },
        users: accounts,
        orgs,
        rotateKeys,
      });
    }
    if (isZitadelApiPath(path)) {
      return handleZitadelApi(req, res, path, {
        pat: adminPat,
        events,
        user: (id) => accounts.get(id),
        orgId: ORG_ID,
      });
    }
    if (path === ROUTES.userinfo) {
      if (applyCors(req, res, corsOrigins, 'GET, POST')) return;
      return handleUserinfo(req, res, { issuer, verifier, actions });
    }
    if (path === ROUTES.introspection) {
      if (applyCors(req, res, corsOrigins, 'POST')) return;
      return handleIntrospection(req, res, {
        verifier,
        clients: introspectionClients,
        projectId,
      });
    }
    if (isInteractionPath(path)) {
      const current = provider;
      return handleInteraction(req, res, url, { provider: () => current, users: accounts, log });
    }
    if (path === ACCOUNT_PAGE_PATH) {
      const current = provider;
      const appUrl = URL.parse(redirectUris[0] ?? '')?.origin ?? issuer;
      return handleAccountPage(req, res, { provider: () => current, users: accounts, appUrl });
    }
    if (path === '/debug/healthz' || path === '/debug/ready') {
      sendText(res, 200, 'ok');
      return;
    }
    if (path === ROUTES.authorization && req.method === 'GET')
      requestConsentForOfflineAccess(req, url);
    const hint = url.searchParams.get('id_token_hint');
    if (path === ROUTES.end_session && req.method === 'GET' && hint) {
      url.searchParams.set(
        'id_token_hint',
        await toProviderIdTokenHint(hint, keyRing.privateJwks()),
      );
      req.url = `${url.pathname}${url.search}`;
    }
    providerHandler(req, res);
  };

  const server = createServer((req, res) => {
    logRequest(req, res, log);
    route(req, res).catch((error: unknown) => {
      log(
        `internal error on ${req.method} ${(req.url ?? '').split('?')[0]}: ${(error as Error).stack ?? String(error)}`,
      );
      if (!res.headersSent)
        sendJson(res, 500, { error: 'server_error', error_description: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  // Bound to every interface: clients on this machine still reach it via loopback.
  const reachable =
    address.address === '0.0.0.0'
      ? '127.0.0.1'
      : address.address === '::'
        ? '::1'
        : address.address;
  const url = `http://${address.family === 'IPv6' ? `[${reachable}]` : reachable}:${address.port}`;
  issuer ||= url;
  devHosts = devAdminHosts(issuer, address.port);
  buildProvider();
  verifier = new AccessTokenVerifier({
    issuer,
    audiences: [clientId, projectId],
    publicJwks: () => keyRing.publicJwks(),
    state,
    users: accounts,
  });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
      await webhooks.idle();
      state.flush();
      // Let in-process clients (tests, an orchestrator) see their keep-alive sockets close before a
      // restart on the same port; otherwise undici may reuse a dead socket ("other side closed").
      for (let turn = 0; turn < 2; turn += 1)
        await new Promise((resolveTurn) => setImmediate(resolveTurn));
    })();
    return closing;
  };

  return {
    issuer,
    url,
    port: address.port,
    clientId,
    projectId,
    orgId: ORG_ID,
    instanceId: INSTANCE_ID,
    dataDir,
    redirectUris,
    postLogoutRedirectUris,
    adminPat,
    actionsSigningKeys: actions.signingKeys,
    users: {
      list: () => accounts.list(),
      get: (id) => accounts.get(id),
      findByEmail: (email) => accounts.findByEmail(email),
      create: (input) => accounts.create(input),
      update: (id, patch) => accounts.update(id, patch),
      deactivate: (id) => accounts.deactivate(id),
      reactivate: (id) => accounts.reactivate(id),
      lock: (id) => accounts.lock(id),
      unlock: (id) => accounts.unlock(id),
      remove: (id) => accounts.remove(id),
      createBurst: (options) => accounts.createBurst(options),
    },
    events: {
      all: () => events.all(),
      search: (request = {}) => listEvents(events, request),
      onAppend: (listener) => events.onAppend(listener),
    },
    webhooks: {
      get targets() {
        return webhooks.targets;
      },
      signingKey: webhookSigningKey,
      setTargets: (targets) => webhooks.setTargets(targets),
      idle: () => webhooks.idle(),
    },
    jwks: () => keyRing.publicJwks(),
    get currentKid() {
      return keyRing.currentKid;
    },
    rotateKeys,
    close,
  };
}

function createActionTargets(
  config: LocalIdpOptions['actionTargets'],
  dataDir: string,
  log: (line: string) => void,
  sequenceOf: (userId: string) => number | undefined,
): ActionTargets {
  const key = (name: ActionTargetName, file: string) =>
    config?.signingKeys?.[name] ??
    loadOrCreateSecret(join(dataDir, `actions-${file}-signing-key`), () =>
      randomBytes(24).toString('base64url'),
    );
  const target = (value: string | ActionTarget | undefined, interruptOnError: boolean) => {
    if (value === undefined) return undefined;
    const resolved = typeof value === 'string' ? { url: value, interruptOnError } : value;
    const url = URL.parse(resolved.url);
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new Error(`action target is not an http(s) URL: ${resolved.url}`);
    return resolved;
  };
  return new ActionTargets({
    // Our recommendation (docs/decisions/021): the enricher fails open, the signup policy closed.
    preAccessToken: target(config?.preAccessToken, false),
    preUserinfo: target(config?.preUserinfo, false),
    addHumanUser: target(config?.addHumanUser, true),
    signingKeys: {
      preAccessToken: key('preAccessToken', 'preaccesstoken'),
      preUserinfo: key('preUserinfo', 'preuserinfo'),
      addHumanUser: key('addHumanUser', 'add-human-user'),
    },
    sequenceOf,
    timeoutMs: config?.timeoutMs,
    log,
  });
}

/**
 * oidc-provider drops `offline_access` unless the request also says `prompt=consent` (OIDC Core
 * §11); ZITADEL issues the refresh token anyway. Adding `consent` (which our interaction answers
 * without a page) gives the same result. `prompt=none` requests are left alone.
 */
function requestConsentForOfflineAccess(req: IncomingMessage, url: URL): void {
  const scopes = (url.searchParams.get('scope') ?? '').split(' ');
  if (!scopes.includes('offline_access')) return;
  const prompts = new Set((url.searchParams.get('prompt') ?? '').split(' ').filter(Boolean));
  if (prompts.has('none') || prompts.has('consent')) return;
  prompts.add('consent');
  url.searchParams.set('prompt', [...prompts].join(' '));
  req.url = `${url.pathname}${url.search}`;
}
