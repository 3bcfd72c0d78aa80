import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createFixture } from './support/fixture.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** @param {Record<string, string>} env */
function runMain(env) {
  // Only what the setup step reads: no variable of the developer's shell leaks into the test.
  return run(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env } });
}

test('the setup program exits 0 and says where to open the app', async (t) => {
  const fixture = await createFixture(t);

  const { stdout } = await runMain(fixture.env);

  assert.match(stdout, /\[zitadel-setup\] project "liverty-music": created \d+/);
  assert.match(stdout, /setup done: open http:\/\/localhost:5173/);
  const config = JSON.parse(await readFile(fixture.env.FRONTEND_CONFIG_FILE ?? '', 'utf8'));
  assert.match(config.oidcClientId, /^\d+$/);
});

test('the setup program exits 1 with ZITADEL’s message when ZITADEL refuses a request', async (t) => {
  const fixture = await createFixture(t);
  fixture.zitadel.behavior.failures.push({
    method: 'POST',
    path: /\/apps\/oidc$/,
    status: 400,
    body: { code: 3, message: 'Errors.Project.App.Invalid (APP-ldk2j)', details: [] },
  });

  await assert.rejects(runMain(fixture.env), (error) => {
    const failure = /** @type {{ code: number, stderr: string }} */ (error);
    assert.equal(failure.code, 1);
    assert.match(
      failure.stderr,
      /\[zitadel-setup\] failed: ZITADEL answered HTTP 400 to POST \/management\/v1\/projects\/\d+\/apps\/oidc: Errors\.Project\.App\.Invalid \(APP-ldk2j\) \(code 3\)/,
    );
    assert.doesNotMatch(
      failure.stderr,
      /at .*\.js:\d+/,
      'an explained failure shows no stack trace',
    );
    return true;
  });
});

test('the setup program exits 1 and names every bad setting', async () => {
  await assert.rejects(
    runMain({
      ZITADEL_API_URL: 'localhost:8080',
      WAIT_TIMEOUT_SECONDS: 'soon',
      BACKEND_ENV_OWNER: 'node',
    }),
    (error) => {
      const failure = /** @type {{ code: number, stderr: string }} */ (error);
      assert.equal(failure.code, 1);
      assert.match(
        failure.stderr,
        /ZITADEL_API_URL must be an http\(s\) URL \(got "localhost:8080"\)/,
      );
      assert.match(failure.stderr, /WAIT_TIMEOUT_SECONDS must be a positive integer/);
      assert.match(failure.stderr, /BACKEND_ENV_OWNER must be uid:gid/);
      return true;
    },
  );
});
