import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createFixture } from './support/fixture';

const run = promisify(execFile);
const workspace = fileURLToPath(new URL('..', import.meta.url));
const main = join(workspace, 'src', 'main.ts');

// The sources run through tsx, as `npm start` runs them; the image runs the compiled bundle
// (the last test).
function runMain(env: Record<string, string>, command = ['--import', 'tsx', main]) {
  // Only what the setup step reads: no variable of the developer's shell leaks into the test.
  return run(process.execPath, command, {
    cwd: workspace,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
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
    const failure = error as { code: number; stderr: string };
    assert.equal(failure.code, 1);
    assert.match(
      failure.stderr,
      /\[zitadel-setup\] failed: ZITADEL answered HTTP 400 to POST \/management\/v1\/projects\/\d+\/apps\/oidc: Errors\.Project\.App\.Invalid \(APP-ldk2j\) \(code 3\)/,
    );
    assert.doesNotMatch(
      failure.stderr,
      /at .*\.(js|ts):\d+/,
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
      const failure = error as { code: number; stderr: string };
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

test('the compiled program (the image runs `node dist/main.js`) imports only Node built-ins and does the same', async (t) => {
  const fixture = await createFixture(t);
  // Laid out as in the image: /app/package.json ("type": "module") and /app/dist/main.js, with
  // no node_modules anywhere above.
  const app = await mkdtemp(join(tmpdir(), 'zitadel-setup-image-'));
  t.after(() => rm(app, { recursive: true, force: true }));
  await run(process.execPath, ['scripts/build-dist.mjs', join(app, 'dist')], { cwd: workspace });
  await copyFile(join(workspace, 'package.json'), join(app, 'package.json'));
  const bundle = await readFile(join(app, 'dist', 'main.js'), 'utf8');
  const imported = [...bundle.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1]);
  assert.ok(imported.length > 0);
  for (const name of imported)
    assert.match(String(name), /^node:/, 'the image has no node_modules');

  const { stdout } = await runMain(fixture.env, [join(app, 'dist', 'main.js')]);

  assert.match(stdout, /\[zitadel-setup\] project "liverty-music": created \d+/);
  assert.match(stdout, /setup done: open http:\/\/localhost:5173/);
});
