import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@liverty-music/test-support/free-port';

const LOCAL_IDP_DIR = fileURLToPath(new URL('../../../local-idp', import.meta.url));

export interface BurstAnswer {
  users: { id: string; email: string }[];
  password: string;
  firstCreationDate: string;
  lastCreationDate: string;
}

export interface LocalIdpProcess {
  /** Issuer, Event API and ListUsers base URL. */
  url: string;
  pat: string;
  /** `POST /__dev/users/_burst`: one transaction, or paced at `perSecond`. */
  burst(options: {
    count: number;
    perSecond?: number;
    emailVerified?: boolean;
    emailPrefix?: string;
    lateByMs?: number;
  }): Promise<BurstAnswer>;
  /** Any dev admin call, e.g. `PATCH /users/:id`. */
  dev(method: string, path: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * The local identity provider as its own process (as `npm start` runs it), in a fresh data dir:
 * the ZITADEL stand-in whose Event API and ListUsers follow ZITADEL's rules, and whose dev admin
 * API writes dense histories. Its own process, so a burst paced at 2,000 signups a second does not
 * share an event loop with the sync under test.
 */
export async function startLocalIdpProcess(): Promise<LocalIdpProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'sync-local-idp-'));
  const pat = `sync-test-pat-${port}`;
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: LOCAL_IDP_DIR,
    env: {
      ...process.env,
      LOCAL_IDP_ISSUER: url,
      LOCAL_IDP_PORT: String(port),
      LOCAL_IDP_DATA_DIR: dataDir,
      LOCAL_IDP_PAT: pat,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-64 * 1024);
      if (output.includes('local-idp ready at')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`local-idp exited (${code}):\n${output}`)));
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    await ready;
  } finally {
    clearTimeout(timeout);
  }

  async function dev(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${url}/__dev${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as unknown;
    if (!response.ok) throw new Error(`${method} /__dev${path}: ${JSON.stringify(answer)}`);
    return answer;
  }

  return {
    url,
    pat,
    burst: async (options) => (await dev('POST', '/users/_burst', options)) as BurstAnswer,
    dev,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
