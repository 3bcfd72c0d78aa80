import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@liverty-music/test-support/free-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from './support/test-issuer';

const backendDir = new URL('..', import.meta.url).pathname;

// What backend/Dockerfile runs: scripts/build-dist.mjs, then `node dist/main.js` — plain Node,
// no tsx, the workspace package @liverty-music/gen compiled in, the migrations found beside the
// output. The output goes to a folder inside backend/ as dist/ would (the image's layout).
describe('the compiled backend (backend/Dockerfile)', () => {
  let outdir: string;
  let dataDir: string;
  let issuer: TestIssuer;
  let backend: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    outdir = mkdtempSync(join(backendDir, '.dist-test-'));
    dataDir = mkdtempSync(join(backendDir, '.data-dist-test-'));
    issuer = await startTestIssuer();
    await promisify(execFile)(process.execPath, ['scripts/build-dist.mjs', outdir], {
      cwd: backendDir,
    });
  }, 60_000);
  afterAll(async () => {
    if (backend && backend.exitCode === null) {
      backend.kill('SIGTERM');
      await once(backend, 'exit');
    }
    await issuer?.close();
    rmSync(outdir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('emits one ESM file per entry point that imports no TypeScript and no tsx', async () => {
    for (const entry of ['main.js', 'cli/sync-backfill.js', 'cli/sync-drift.js']) {
      expect(existsSync(join(outdir, entry)), entry).toBe(true);
    }
    const { readFile } = await import('node:fs/promises');
    const main = await readFile(join(outdir, 'main.js'), 'utf8');
    expect(main).not.toMatch(/from ["'][^"']*\.ts["']/);
    expect(main).not.toMatch(/["']tsx["']|@liverty-music\/gen/);
  });

  it('starts with plain node on PGlite, applies the migrations and answers /healthz and /readyz', async () => {
    const port = await freePort();
    backend = spawn(process.execPath, [join(outdir, 'main.js')], {
      cwd: backendDir,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        METRICS_PORT: 'off',
        PGLITE_DIR: join(dataDir, 'pglite'),
        OIDC_ISSUER: issuer.issuer,
        OIDC_AUDIENCE: issuer.audience,
        OIDC_CLIENT_IDS: 'spa',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    backend.stdout?.on('data', (chunk) => {
      output += String(chunk);
    });
    backend.stderr?.on('data', (chunk) => {
      output += String(chunk);
    });
    // Ready once /readyz answers 200 (the migrations ran); a process that exits fails at once.
    // A new process compiles PGlite's WebAssembly and runs initdb before the migrations: seconds
    // on a quiet machine, up to half a minute on two busy cores, hence the generous deadline.
    const deadline = Date.now() + 90_000;
    let ready = false;
    while (!ready && Date.now() < deadline && backend.exitCode === null) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (response) => response.ok,
        () => false,
      );
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect({ ready, exitCode: backend.exitCode, output: ready ? '' : output }).toEqual({
      ready: true,
      exitCode: null,
      output: '',
    });
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'alive' });
    expect(output).toMatch(/backend listening on http:\/\/127\.0\.0\.1:/);
  }, 120_000);
});
