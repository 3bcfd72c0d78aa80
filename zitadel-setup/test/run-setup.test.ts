import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { test } from 'node:test';
import { runSetup } from '../src/run-setup';
import { parseEnv } from '../src/runtime-config';
import { createFixture, isRead } from './support/fixture';

test('the first run creates the project, the OIDC app, the webhook target and its executions', async (t) => {
  const fixture = await createFixture(t);
  const config = fixture.config();

  const result = await runSetup(config, { log: fixture.log });

  const writes = fixture.zitadel.requests.filter((request) => !isRead(request));
  assert.deepEqual(
    writes.map(({ method, path }) => `${method} ${path.replace(/\d{6,}/g, ':id')}`),
    [
      'POST /management/v1/projects',
      'POST /management/v1/projects/:id/apps/oidc',
      'POST /management/v1/projects/:id/apps/api',
      'POST /management/v1/users/machine',
      'POST /admin/v1/members',
      'POST /management/v1/users/:id/pats',
      'POST /v2/actions/targets',
      ...Array.from({ length: 6 }, () => 'PUT /v2/actions/executions'),
    ],
  );

  const [project] = fixture.zitadel.state.projects;
  assert.equal(project?.name, 'liverty-music');
  assert.equal(project?.projectRoleAssertion, true);

  const [app] = fixture.zitadel.state.apps;
  assert.equal(app?.name, 'liverty-music-spa');
  assert.equal(app?.projectId, project?.id);
  assert.deepEqual(app?.oidcConfig.redirectUris, ['http://localhost:5173/callback']);
  assert.deepEqual(app?.oidcConfig.postLogoutRedirectUris, ['http://localhost:5173/']);
  assert.equal(app?.oidcConfig.appType, 'OIDC_APP_TYPE_USER_AGENT');
  assert.equal(app?.oidcConfig.authMethodType, 'OIDC_AUTH_METHOD_TYPE_NONE');
  assert.deepEqual(app?.oidcConfig.responseTypes, ['OIDC_RESPONSE_TYPE_CODE']);
  assert.deepEqual(app?.oidcConfig.grantTypes, [
    'OIDC_GRANT_TYPE_AUTHORIZATION_CODE',
    'OIDC_GRANT_TYPE_REFRESH_TOKEN',
  ]);
  assert.equal(app?.oidcConfig.accessTokenType, 'OIDC_TOKEN_TYPE_JWT');
  assert.equal(app?.oidcConfig.idTokenUserinfoAssertion, true);
  assert.equal(app?.oidcConfig.devMode, true);

  const [target] = fixture.zitadel.state.targets;
  assert.equal(target?.name, 'liverty-music-backend');
  assert.equal(target?.endpoint, 'http://127.0.0.1:3001/webhooks/zitadel');
  assert.deepEqual(target?.restWebhook, { interruptOnError: false });
  assert.equal(target?.payloadType, 'PAYLOAD_TYPE_JSON');

  assert.deepEqual(
    fixture.zitadel.state.executions.map((execution) => execution.condition),
    [
      { event: { group: 'user.human' } },
      { event: { event: 'user.deactivated' } },
      { event: { event: 'user.reactivated' } },
      { event: { event: 'user.locked' } },
      { event: { event: 'user.unlocked' } },
      { event: { event: 'user.removed' } },
    ],
  );
  for (const execution of fixture.zitadel.state.executions) {
    assert.deepEqual(execution.targets, [target?.id]);
  }

  const frontendConfig = JSON.parse(await readFile(config.frontendConfigFile, 'utf8'));
  assert.deepEqual(frontendConfig, {
    oidcAuthority: fixture.zitadel.url,
    oidcClientId: app?.oidcConfig.clientId,
    oidcExtraScope: `urn:zitadel:iam:org:project:id:${project?.id}:aud`,
    apiBaseUrl: 'http://localhost:3001',
    // The callback needs no discovery request: the document travels in config.json.
    oidcMetadata: {
      issuer: fixture.zitadel.url,
      authorization_endpoint: `${fixture.zitadel.url}/oauth/v2/authorize`,
      token_endpoint: `${fixture.zitadel.url}/oauth/v2/token`,
      jwks_uri: `${fixture.zitadel.url}/oauth/v2/keys`,
      userinfo_endpoint: `${fixture.zitadel.url}/oidc/v1/userinfo`,
    },
  });

  const apiApp = fixture.zitadel.state.apps.find((candidate) => candidate.apiConfig);
  assert.equal(apiApp?.name, 'liverty-music-api');
  assert.equal(apiApp?.projectId, project?.id);
  assert.equal(apiApp?.apiConfig.authMethodType, 'API_AUTH_METHOD_TYPE_BASIC');
  const [reconciler] = fixture.zitadel.state.users;
  assert.equal(reconciler?.userName, 'liverty-reconciler');
  assert.deepEqual(fixture.zitadel.state.members, [
    { userId: reconciler?.id, roles: ['IAM_OWNER_VIEWER'] },
  ]);

  const backendEnv = parseEnv(await readFile(config.backendEnvFile, 'utf8'));
  // Least privilege: the backend gets the reconciler's own PAT, never the setup step's admin one.
  assert.notEqual(backendEnv.ZITADEL_PAT, fixture.zitadel.token);
  assert.equal(fixture.zitadel.state.pats.get(backendEnv.ZITADEL_PAT ?? ''), reconciler?.id);
  assert.deepEqual(backendEnv, {
    OIDC_ISSUER: fixture.zitadel.url,
    OIDC_AUDIENCE: project?.id,
    OIDC_CLIENT_IDS: app?.oidcConfig.clientId,
    OIDC_INTROSPECTION_CLIENT_ID: apiApp?.apiConfig.clientId,
    OIDC_INTROSPECTION_CLIENT_SECRET: apiApp?.secret,
    ZITADEL_API_URL: fixture.zitadel.url,
    ZITADEL_PAT: backendEnv.ZITADEL_PAT,
    ZITADEL_RECONCILER_USER_ID: reconciler?.id,
    ZITADEL_WEBHOOK_SIGNING_KEYS: target?.signingKey,
    ZITADEL_WEBHOOK_TARGET_ID: target?.id,
    ZITADEL_PROJECT_ID: project?.id,
    ZITADEL_CLIENT_ID: app?.oidcConfig.clientId,
  });
  assert.equal((await stat(config.backendEnvFile)).mode & 0o777, 0o600);
  assert.equal((await stat(config.frontendConfigFile)).mode & 0o777, 0o644);
  assert.deepEqual(result.files, { frontendConfig: 'created', backendEnv: 'created' });

  // No PAT, client secret or signing key reaches the log.
  const log = fixture.logs.join('\n');
  assert.doesNotMatch(log, new RegExp(fixture.zitadel.token));
  assert.doesNotMatch(log, new RegExp(String(backendEnv.ZITADEL_PAT)));
  assert.doesNotMatch(log, new RegExp(String(apiApp?.secret)));
  assert.doesNotMatch(log, new RegExp(String(target?.signingKey)));
  assert.match(log, /open http:\/\/localhost:5173/);
});

test('a second run finds everything, sends only reads and leaves the files untouched', async (t) => {
  const fixture = await createFixture(t);
  const config = fixture.config();
  const first = await runSetup(config, { log: fixture.log });
  const before = {
    frontend: await stat(config.frontendConfigFile),
    backend: await stat(config.backendEnvFile),
    state: JSON.stringify(fixture.zitadel.state),
  };
  const firstRunRequests = fixture.zitadel.requests.length;

  const second = await runSetup(config, { log: fixture.log });

  const secondRunRequests = fixture.zitadel.requests.slice(firstRunRequests);
  assert.ok(secondRunRequests.length > 0);
  assert.deepEqual(
    secondRunRequests.filter((request) => !isRead(request)),
    [],
    'the second run must not change anything in ZITADEL',
  );
  assert.equal(JSON.stringify(fixture.zitadel.state), before.state);
  assert.deepEqual(second.files, { frontendConfig: 'unchanged', backendEnv: 'unchanged' });
  assert.equal((await stat(config.frontendConfigFile)).mtimeMs, before.frontend.mtimeMs);
  assert.equal((await stat(config.backendEnvFile)).mtimeMs, before.backend.mtimeMs);
  assert.deepEqual(
    { projectId: second.projectId, clientId: second.clientId, targetId: second.targetId },
    { projectId: first.projectId, clientId: first.clientId, targetId: first.targetId },
  );
});
