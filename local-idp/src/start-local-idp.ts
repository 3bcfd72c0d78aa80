import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type Provider from 'oidc-provider';
import { type AccessTokenVerifier, createAccessTokenVerifier } from './access-token-verifier';
import { ACCOUNT_PAGE_PATH, handleAccountPage } from './account-page';
import { configureActionTargets } from './configure-action-targets';
import { loadOrCreateCookieKeys } from './cookie-keys';
import { applyCors, originsOf } from './cors';
import { createProvider, ROUTES, type TokenLifetimes } from './create-provider';
import { loadOrCreateSecret } from './data-files';
import { DEV_ADMIN_PREFIX, handleDevAdmin } from './dev-admin-api';
import { devAdminHosts } from './dev-admin-guard';
import { createEventLog } from './event-log';
import { listEvents } from './event-search';
import { INSTANCE_ID, ORG_ID } from './fixed-identities';
import { sendJson, sendText } from './http-io';
import { handleInteraction, isInteractionPath } from './interaction-routes';
import { handleIntrospection } from './introspection-endpoint';
import { listenAt } from './listen-at';
import type { LocalIdp } from './local-idp-handle';
import { DEFAULTS, defaultPort, type LocalIdpOptions, normalizeIssuer } from './local-idp-options';
import { requestConsentForOfflineAccess } from './offline-access-consent';
import { createOidcStateStore } from './oidc-state-store';
import { createOrganisations } from './organisations';
import { logRequest } from './request-log';
import { loadOrCreateSigningKeyRing } from './signing-keys';
import { createUserAccounts } from './user-accounts';
import { createUserStore } from './user-store';
import { handleUserinfo } from './userinfo-endpoint';
import { createWebhookDispatcher } from './webhook-delivery';
import { handleZitadelApi, isZitadelApiPath } from './zitadel-api';
import { toProviderIdTokenHint } from './zitadel-id-token';

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
  const keyRing = loadOrCreateSigningKeyRing(dataDir);
  const state = createOidcStateStore(dataDir);
  const userStore = createUserStore(dataDir);
  const events = createEventLog(dataDir, {
    instanceId: INSTANCE_ID,
    resourceOwner: ORG_ID,
    resourceOwnerOf: (id) => userStore.get(id)?.orgId,
  });
  const orgs = createOrganisations(dataDir, { events, users: userStore, defaultOrgId: ORG_ID });
  const actions = configureActionTargets(
    options.actionTargets,
    dataDir,
    log,
    (userId) => events.aggregate(userId)?.sequence,
  );
  const accounts = createUserAccounts(userStore, events, (input) => actions.addHumanUser(input));
  const webhooks = createWebhookDispatcher({
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
  const { url, port: boundPort } = await listenAt(server, port, host);
  issuer ||= url;
  devHosts = devAdminHosts(issuer, boundPort);
  buildProvider();
  verifier = createAccessTokenVerifier({
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
    port: boundPort,
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
