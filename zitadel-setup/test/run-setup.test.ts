import assert from 'node:assert/strict';
import { readFile, rm, stat } from 'node:fs/promises';
import { test } from 'node:test';
import { runSetup } from '../src/run-setup';
import { parseEnv } from '../src/runtime-config';
import { ZitadelError } from '../src/zitadel-client';
import { createFixture, isRead, writePatFile } from './support/fixture';

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

test('a ZITADEL error stops the run with ZITADEL’s own message', async (t) => {
  const fixture = await createFixture(t);
  fixture.zitadel.behavior.failures.push({
    method: 'POST',
    path: '/management/v1/projects',
    status: 403,
    body: { code: 7, message: 'No matching permissions found (AUTH-5mWD2)', details: [] },
  });

  await assert.rejects(runSetup(fixture.config(), { log: fixture.log }), (error) => {
    assert.ok(error instanceof ZitadelError);
    assert.equal(error.status, 403);
    assert.match(error.message, /No matching permissions found \(AUTH-5mWD2\)/);
    assert.match(error.message, /POST \/management\/v1\/projects/);
    return true;
  });
  // Nothing after the failed step ran, and no half-written configuration was left behind.
  assert.equal(fixture.zitadel.state.targets.length, 0);
  await assert.rejects(readFile(fixture.config().frontendConfigFile), { code: 'ENOENT' });
});

test('Connect-style errors of the v2 APIs are reported with their message too', async (t) => {
  const fixture = await createFixture(t);
  fixture.zitadel.behavior.failures.push({
    method: 'POST',
    path: '/v2/actions/targets',
    status: 400,
    body: { code: 'invalid_argument', message: 'Errors.Target.DeniedURL (COMMAND-NcJUKo)' },
  });

  await assert.rejects(runSetup(fixture.config(), { log: fixture.log }), {
    name: 'ZitadelError',
    message:
      'ZITADEL answered HTTP 400 to POST /v2/actions/targets: Errors.Target.DeniedURL (COMMAND-NcJUKo) (code invalid_argument)',
  });
});

test('it waits for ZITADEL: polls until the discovery document and the PAT answer', async (t) => {
  const fixture = await createFixture(t);
  fixture.zitadel.behavior.discoveryUnavailable = 3;
  fixture.zitadel.behavior.tokenRefused = 2;

  await runSetup(fixture.config(), { log: fixture.log });

  const paths = fixture.zitadel.requests.map(({ method, path }) => `${method} ${path}`);
  const discovery = 'GET /.well-known/openid-configuration';
  assert.deepEqual(paths.slice(0, 7), [
    discovery,
    discovery,
    discovery,
    discovery,
    'GET /auth/v1/users/me',
    'GET /auth/v1/users/me',
    'GET /auth/v1/users/me',
  ]);
  assert.equal(paths.filter((path) => path === discovery).length, 4);
  assert.equal(fixture.zitadel.state.projects.length, 1);
});

test('it waits for the PAT file that ZITADEL writes on its first start', async (t) => {
  const fixture = await createFixture(t, { writePat: false });
  const logs: string[] = [];
  // The file appears only after the setup step has looked for it and not found it.
  const log = (line: string) => {
    logs.push(line);
    if (/not ready yet: .*ENOENT/.test(line))
      void writePatFile(fixture.patFile, fixture.zitadel.token);
  };

  await runSetup(fixture.config(), { log });

  assert.ok(logs.some((line) => /not ready yet: .*ENOENT.*admin\.pat/.test(line)));
  assert.equal(fixture.zitadel.state.projects.length, 1);
});

test('it gives up at the deadline with the last reason', async (t) => {
  const fixture = await createFixture(t);
  fixture.zitadel.behavior.discoveryUnavailable = Number.POSITIVE_INFINITY;
  const started = Date.now();

  await assert.rejects(
    runSetup(fixture.config({ WAIT_TIMEOUT_SECONDS: '1', WAIT_INTERVAL_MS: '50' }), {
      log: fixture.log,
    }),
    {
      name: 'NotReadyError',
      message: /gave up waiting for ZITADEL's discovery document .*: discovery answered HTTP 503/,
    },
  );
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 900 && elapsed < 5000, `gave up after ${elapsed} ms`);
  assert.ok(fixture.zitadel.requests.length > 5, 'it polled more than once');
  assert.ok(fixture.zitadel.requests.every(isRead));
});

test('an issuer that differs from OIDC_ISSUER stops the run before anything is created', async (t) => {
  const fixture = await createFixture(t);

  await assert.rejects(
    runSetup(fixture.config({ OIDC_ISSUER: 'http://localhost:8080' }), { log: fixture.log }),
    /ZITADEL says its issuer is http:\/\/127\.0\.0\.1:\d+, but OIDC_ISSUER is http:\/\/localhost:8080/,
  );
  assert.ok(fixture.zitadel.requests.every(isRead));
});

test('an app whose OIDC settings drifted gets its configuration replaced, nothing else', async (t) => {
  const fixture = await createFixture(t);
  await runSetup(fixture.config(), { log: fixture.log });
  const firstRun = fixture.zitadel.requests.length;

  await runSetup(fixture.config({ APP_ORIGIN: 'http://localhost:8081' }), { log: fixture.log });

  const writes = fixture.zitadel.requests.slice(firstRun).filter((request) => !isRead(request));
  assert.deepEqual(
    writes.map(({ method, path }) => `${method} ${path.replace(/\d{6,}/g, ':id')}`),
    ['PUT /management/v1/projects/:id/apps/:id/oidc_config'],
  );
  assert.deepEqual(writes[0]?.body.redirectUris, ['http://localhost:8081/callback']);
  assert.deepEqual(writes[0]?.body.postLogoutRedirectUris, ['http://localhost:8081/']);
  assert.equal(writes[0]?.body.accessTokenType, 'OIDC_TOKEN_TYPE_JWT');
  // The SPA app and the API app: no new one.
  assert.equal(fixture.zitadel.state.apps.length, 2);
});

test('an execution that already calls another target keeps it and gains ours', async (t) => {
  const fixture = await createFixture(t);
  fixture.zitadel.state.targets.push({
    id: '111111111111111111',
    name: 'someone-else',
    endpoint: 'https://audit.example/hook',
    restAsync: {},
    timeout: '5s',
    signingKey: 'other-key',
  });
  fixture.zitadel.state.executions.push({
    condition: { event: { event: 'user.removed' } },
    targets: ['111111111111111111'],
  });

  const result = await runSetup(fixture.config(), { log: fixture.log });

  const removed = fixture.zitadel.state.executions.find(
    (execution) => execution.condition.event.event === 'user.removed',
  );
  assert.deepEqual(removed?.targets, ['111111111111111111', result.targetId]);
});

test('a found target with unknown signing key gets its key rotated, and the new key is written', async (t) => {
  const fixture = await createFixture(t);
  await runSetup(fixture.config(), { log: fixture.log });
  // The env file is gone (a fresh volume) and ZITADEL does not list signing keys.
  await rm(fixture.config().backendEnvFile);
  fixture.zitadel.behavior.hideSigningKeys = true;
  const firstRun = fixture.zitadel.requests.length;

  await runSetup(fixture.config(), { log: fixture.log });

  const writes = fixture.zitadel.requests.slice(firstRun).filter((request) => !isRead(request));
  assert.deepEqual(
    writes.map(({ method, path, body }) => [`${method} ${path.replace(/\d{6,}/g, ':id')}`, body]),
    [
      // Secrets ZITADEL shows only once cannot be read back: each is issued anew.
      ['POST /management/v1/projects/:id/apps/:id/api_config/_generate_client_secret', {}],
      ['POST /management/v1/users/:id/pats', {}],
      ['POST /v2/actions/targets/:id', { expirationSigningKey: '0s' }],
    ],
  );
  const env = parseEnv(await readFile(fixture.config().backendEnvFile, 'utf8'));
  assert.equal(env.ZITADEL_WEBHOOK_SIGNING_KEYS, fixture.zitadel.state.targets[0]?.signingKey);
  assert.match(String(env.ZITADEL_WEBHOOK_SIGNING_KEYS), /^rotated-key-/);

  // With the key known from the env file, the next run reads only.
  const secondRun = fixture.zitadel.requests.length;
  await runSetup(fixture.config(), { log: fixture.log });
  assert.ok(fixture.zitadel.requests.slice(secondRun).every(isRead));
});

test('a reconciler left with a broader role is narrowed to IAM_OWNER_VIEWER, and a dead PAT replaced', async (t) => {
  const fixture = await createFixture(t);
  await runSetup(fixture.config(), { log: fixture.log });
  const [member] = fixture.zitadel.state.members;
  assert.ok(member);
  member.roles = ['IAM_OWNER'];
  fixture.zitadel.state.pats.clear();
  const firstRun = fixture.zitadel.requests.length;

  await runSetup(fixture.config(), { log: fixture.log });

  const writes = fixture.zitadel.requests.slice(firstRun).filter((request) => !isRead(request));
  assert.deepEqual(
    writes.map(({ method, path, body }) => [`${method} ${path.replace(/\d{6,}/g, ':id')}`, body]),
    [
      ['PUT /admin/v1/members/:id', { roles: ['IAM_OWNER_VIEWER'] }],
      ['POST /management/v1/users/:id/pats', {}],
    ],
  );
  const env = parseEnv(await readFile(fixture.config().backendEnvFile, 'utf8'));
  assert.equal(fixture.zitadel.state.pats.get(env.ZITADEL_PAT ?? ''), member.userId);
});

test('missing legal links are filled in, keeping the other privacy settings', async (t) => {
  const fixture = await createFixture(t);
  fixture.zitadel.state.privacyPolicy = {
    tosLink: '',
    privacyLink: '',
    docsLink: 'https://docs.example',
  };

  await runSetup(fixture.config(), { log: fixture.log });

  assert.deepEqual(fixture.zitadel.state.privacyPolicy, {
    tosLink: 'http://localhost:5173/terms',
    privacyLink: 'http://localhost:5173/privacy',
    docsLink: 'https://docs.example',
  });
});
