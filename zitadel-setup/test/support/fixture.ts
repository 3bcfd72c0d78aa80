import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { loadConfig } from '../../src/config';
import { startFakeZitadel } from './fake-zitadel';

/**
 * A fake ZITADEL, a PAT file and output paths in a fresh temporary folder, and the environment
 * that points the setup step at them. Cleaned up after the test.
 */
export async function createFixture(
  t: TestContext,
  { writePat = true }: { writePat?: boolean } = {},
) {
  const zitadel = await startFakeZitadel();
  const dir = await mkdtemp(join(tmpdir(), 'zitadel-setup-'));
  t.after(async () => {
    await zitadel.close();
    await rm(dir, { recursive: true, force: true });
  });
  const patFile = join(dir, 'bootstrap', 'admin.pat');
  if (writePat) await writePatFile(patFile, zitadel.token);
  const env: Record<string, string> = {
    ZITADEL_API_URL: zitadel.url,
    ZITADEL_PAT_FILE: patFile,
    APP_ORIGIN: 'http://localhost:5173',
    API_BASE_URL: 'http://localhost:3001',
    WEBHOOK_URL: 'http://127.0.0.1:3001/webhooks/zitadel',
    // The Actions v2 restCall targets have their own tests (action-targets.test.ts), which turn
    // them on; the others look at the webhook alone.
    ENSURE_ACTIONS: 'false',
    FRONTEND_CONFIG_FILE: join(dir, 'public', 'config.json'),
    BACKEND_ENV_FILE: join(dir, 'secrets', 'backend.env'),
    WAIT_TIMEOUT_SECONDS: '10',
    WAIT_INTERVAL_MS: '20',
  };
  const logs: string[] = [];
  return {
    zitadel,
    dir,
    patFile,
    env,
    logs,
    config: (overrides: Record<string, string> = {}) => loadConfig({ ...env, ...overrides }),
    log: (line: string) => {
      logs.push(line);
    },
  };
}

export async function writePatFile(path: string, token: string) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${token}\n`);
}

/**
 * A request that changes nothing: a GET, or a POST to one of ZITADEL's search endpoints.
 */
export function isRead({ method, path }: { method: string; path: string }) {
  return method === 'GET' || (method === 'POST' && /\/(_search|search)$/.test(path));
}
