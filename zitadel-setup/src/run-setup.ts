import type { GetMyUserResponseJson } from '@zitadel/proto/zitadel/auth_pb';
import type { SetupConfig } from './config';
import { ensureActionTargets } from './ensure-action-targets';
import { ensureApiApp } from './ensure-api-app';
import { ensureExecutions } from './ensure-executions';
import { ensureLegalLinks } from './ensure-legal-links';
import { ensureOidcApp } from './ensure-oidc-app';
import { ensureProject } from './ensure-project';
import { ensureReconcilerUser } from './ensure-reconciler-user';
import { ensureWebhookTarget } from './ensure-webhook-target';
import {
  readEnvFile,
  renderBackendEnv,
  renderFrontendConfig,
  writeFileIfChanged,
} from './runtime-config';
import { waitForZitadel } from './wait-for-zitadel';
import { createZitadelClient } from './zitadel-client';

/**
 * The whole setup step: wait for ZITADEL, find or create what the app needs, write the runtime
 * configuration. Every step first reads and writes only what differs, so a second run against
 * the same ZITADEL sends only reads and leaves the files untouched.
 */
export async function runSetup(
  config: SetupConfig,
  {
    log = console.log,
    fetch = globalThis.fetch,
  }: { log?: (line: string) => void; fetch?: typeof globalThis.fetch } = {},
) {
  const deadline = Date.now() + config.waitTimeoutMs;
  const { issuer, discovery, token } = await waitForZitadel({
    apiUrl: config.zitadelApiUrl,
    patFile: config.patFile,
    deadline,
    intervalMs: config.waitIntervalMs,
    log,
    fetch,
  });
  if (issuer.replace(/\/+$/, '') !== config.oidcIssuer) {
    throw new Error(
      `ZITADEL says its issuer is ${issuer}, but OIDC_ISSUER is ${config.oidcIssuer}: tokens would ` +
        'fail verification. Make ZITADEL_EXTERNALDOMAIN/EXTERNALPORT/EXTERNALSECURE and OIDC_ISSUER agree.',
    );
  }

  const client = createZitadelClient({ baseUrl: config.zitadelApiUrl, token, fetch });
  const project = await ensureProject(client, { name: config.projectName, log });
  const app = await ensureOidcApp(client, {
    projectId: project.id,
    name: config.appName,
    redirectUris: config.redirectUris,
    postLogoutRedirectUris: config.postLogoutRedirectUris,
    log,
  });
  if (config.ensureLegalLinks) {
    await ensureLegalLinks(client, {
      tosLink: config.tosLink,
      privacyLink: config.privacyLink,
      log,
    });
  }
  const previousEnv = await readEnvFile(config.backendEnvFile);
  const apiApp = await ensureApiApp(client, {
    projectId: project.id,
    name: config.apiAppName,
    known: {
      clientId: previousEnv.OIDC_INTROSPECTION_CLIENT_ID,
      clientSecret: previousEnv.OIDC_INTROSPECTION_CLIENT_SECRET,
    },
    log,
  });
  const reconciler = await ensureReconcilerUser(client, {
    userName: config.reconcilerUserName,
    known: { userId: previousEnv.ZITADEL_RECONCILER_USER_ID, pat: previousEnv.ZITADEL_PAT },
    checkPat: (pat) => signedInUserId({ apiUrl: config.zitadelApiUrl, pat, fetch }),
    log,
  });
  const target = await ensureWebhookTarget(client, {
    name: config.webhookTargetName,
    endpoint: config.webhookUrl,
    known: {
      targetId: previousEnv.ZITADEL_WEBHOOK_TARGET_ID,
      signingKey: previousEnv.ZITADEL_WEBHOOK_SIGNING_KEYS,
    },
    log,
  });
  await ensureExecutions(client, {
    targetId: target.id,
    groups: config.executionEventGroups,
    events: config.executionEvents,
    log,
  });

  const actions = config.ensureActions
    ? await ensureActionTargets(client, {
        baseUrl: config.actionsUrl,
        namePrefix: config.actionsTargetPrefix,
        previousEnv,
        log,
      })
    : undefined;

  const frontendConfig = await writeFileIfChanged(
    config.frontendConfigFile,
    renderFrontendConfig({
      issuer: config.oidcIssuer,
      clientId: app.clientId,
      projectId: project.id,
      apiBaseUrl: config.apiBaseUrl,
      oidcMetadata: discovery,
    }),
    { mode: 0o644 },
  );
  log(`${config.frontendConfigFile}: ${frontendConfig}`);
  const backendEnv = await writeFileIfChanged(
    config.backendEnvFile,
    renderBackendEnv({
      issuer: config.oidcIssuer,
      projectId: project.id,
      clientId: app.clientId,
      introspection: { clientId: apiApp.clientId, clientSecret: apiApp.clientSecret },
      zitadelApiUrl: config.backendZitadelApiUrl,
      reconciler: { userId: reconciler.userId, pat: reconciler.pat },
      targetId: target.id,
      signingKey: target.signingKey,
      actions: actions && { ...actions, clientIds: [app.clientId] },
    }),
    { mode: 0o600, owner: config.backendEnvOwner },
  );
  log(`${config.backendEnvFile}: ${backendEnv}`);
  log(`setup done: open ${config.appOrigin} once the frontend and backend are healthy`);

  return {
    projectId: project.id,
    appId: app.appId,
    clientId: app.clientId,
    apiClientId: apiApp.clientId,
    reconcilerUserId: reconciler.userId,
    targetId: target.id,
    actionTargetIds: actions?.targets.map((target) => target.id) ?? [],
    files: { frontendConfig, backendEnv },
  };
}

/**
 * The user id a personal access token signs in as (auth v1 GetMyUser, GET /auth/v1/users/me), or
 * undefined when ZITADEL refuses it.
 */
async function signedInUserId({
  apiUrl,
  pat,
  fetch,
}: {
  apiUrl: string;
  pat: string;
  fetch: typeof globalThis.fetch;
}): Promise<string | undefined> {
  const response = await fetch(`${apiUrl}/auth/v1/users/me`, {
    headers: { authorization: `Bearer ${pat}`, accept: 'application/json' },
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) {
    await response.body?.cancel();
    return undefined;
  }
  const body = (await response.json().catch(() => ({}))) as GetMyUserResponseJson | null;
  return body?.user?.id === undefined ? undefined : String(body.user.id);
}
