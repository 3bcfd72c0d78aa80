import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { test } from 'node:test';
import { runSetup } from '../src/run-setup';
import { parseEnv } from '../src/runtime-config';
import { createFixture, isRead } from './support/fixture';

// A second setup run against a ZITADEL changed by hand: each drifted resource is repaired in
// place, and nothing else is written.

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
