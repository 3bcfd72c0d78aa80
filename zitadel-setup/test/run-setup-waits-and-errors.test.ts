import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { runSetup } from '../src/run-setup';
import { ZitadelError } from '../src/zitadel-client';
import { createFixture, isRead, writePatFile } from './support/fixture';

// When the setup run stops: on ZITADEL's errors (in its own words), at the deadline while it
// waits for ZITADEL and its PAT, and on an issuer other than OIDC_ISSUER.

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
