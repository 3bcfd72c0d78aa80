import { DEFAULTS, type LocalIdpOptions } from './local-idp-options';

function list(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Maps the LOCAL_IDP_* environment variables to factory options (unset or empty = default). */
export function readEnvOptions(env: NodeJS.ProcessEnv = process.env): LocalIdpOptions {
  const options: LocalIdpOptions = { issuer: nonEmpty(env.LOCAL_IDP_ISSUER) ?? DEFAULTS.issuer };
  const port = nonEmpty(env.LOCAL_IDP_PORT);
  if (port !== undefined) {
    if (!/^\d+$/.test(port) || Number(port) > 65535)
      throw new Error(`LOCAL_IDP_PORT is not a port number: ${port}`);
    options.port = Number(port);
  }
  const host = nonEmpty(env.LOCAL_IDP_HOST);
  if (host !== undefined) options.host = host;
  const clientId = nonEmpty(env.LOCAL_IDP_CLIENT_ID);
  if (clientId !== undefined) options.clientId = clientId;
  const projectId = nonEmpty(env.LOCAL_IDP_PROJECT_ID);
  if (projectId !== undefined) options.projectId = projectId;
  const redirectUris = list(env.LOCAL_IDP_REDIRECT_URIS);
  if (redirectUris) options.redirectUris = redirectUris;
  const postLogoutRedirectUris = list(env.LOCAL_IDP_POST_LOGOUT_REDIRECT_URIS);
  if (postLogoutRedirectUris) options.postLogoutRedirectUris = postLogoutRedirectUris;
  const tokenType = nonEmpty(env.LOCAL_IDP_ACCESS_TOKEN_TYPE);
  if (tokenType !== undefined) {
    if (tokenType !== 'jwt' && tokenType !== 'opaque')
      throw new Error(`LOCAL_IDP_ACCESS_TOKEN_TYPE must be jwt or opaque: ${tokenType}`);
    options.accessTokenType = tokenType;
  }
  const introspectionId = nonEmpty(env.LOCAL_IDP_INTROSPECTION_CLIENT_ID);
  const introspectionSecret = nonEmpty(env.LOCAL_IDP_INTROSPECTION_CLIENT_SECRET);
  if (Boolean(introspectionId) !== Boolean(introspectionSecret))
    throw new Error(
      'LOCAL_IDP_INTROSPECTION_CLIENT_ID and LOCAL_IDP_INTROSPECTION_CLIENT_SECRET go together',
    );
  if (introspectionId && introspectionSecret)
    options.introspectionClients = [
      { clientId: introspectionId, clientSecret: introspectionSecret },
    ];
  const dataDir = nonEmpty(env.LOCAL_IDP_DATA_DIR);
  if (dataDir !== undefined) options.dataDir = dataDir;
  const pat = nonEmpty(env.LOCAL_IDP_PAT);
  if (pat !== undefined) options.adminPat = pat;
  const targets = list(env.LOCAL_IDP_WEBHOOK_TARGETS);
  if (targets) options.webhookTargets = targets;
  const signingKey = nonEmpty(env.LOCAL_IDP_WEBHOOK_SIGNING_KEY);
  if (signingKey !== undefined) options.webhookSigningKey = signingKey;
  const actionTargets: NonNullable<LocalIdpOptions['actionTargets']> = {};
  const preAccessToken = nonEmpty(env.LOCAL_IDP_ACTIONS_PREACCESSTOKEN_URL);
  if (preAccessToken !== undefined) actionTargets.preAccessToken = preAccessToken;
  const preUserinfo = nonEmpty(env.LOCAL_IDP_ACTIONS_PREUSERINFO_URL);
  if (preUserinfo !== undefined) actionTargets.preUserinfo = preUserinfo;
  const addHumanUser = nonEmpty(env.LOCAL_IDP_ACTIONS_ADD_HUMAN_USER_URL);
  if (addHumanUser !== undefined) actionTargets.addHumanUser = addHumanUser;
  // One key per target, as ZITADEL gives each target its own.
  const keys = {
    preAccessToken: nonEmpty(env.LOCAL_IDP_ACTIONS_PREACCESSTOKEN_SIGNING_KEY),
    preUserinfo: nonEmpty(env.LOCAL_IDP_ACTIONS_PREUSERINFO_SIGNING_KEY),
    addHumanUser: nonEmpty(env.LOCAL_IDP_ACTIONS_ADD_HUMAN_USER_SIGNING_KEY),
  };
  for (const [name, key] of Object.entries(keys)) {
    if (key === undefined) continue;
    actionTargets.signingKeys = { ...actionTargets.signingKeys, [name]: key };
  }
  const actionsTimeout = nonEmpty(env.LOCAL_IDP_ACTIONS_TIMEOUT_MS);
  if (actionsTimeout !== undefined) {
    if (!/^\d+$/.test(actionsTimeout) || Number(actionsTimeout) < 1)
      throw new Error(`LOCAL_IDP_ACTIONS_TIMEOUT_MS is not a positive number: ${actionsTimeout}`);
    actionTargets.timeoutMs = Number(actionsTimeout);
  }
  if (Object.keys(actionTargets).length > 0) options.actionTargets = actionTargets;
  return options;
}
