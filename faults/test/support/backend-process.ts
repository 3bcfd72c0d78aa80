import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_CLIENT_ID } from '@liverty-music/backend/testing';
import { freePort } from '@liverty-music/test-support/free-port';
import { waitUntil } from '@liverty-music/test-support/wait-until';

export const BACKEND_DIR = fileURLToPath(new URL('../../../backend', import.meta.url));

// Variables the backend or its CLIs read. The child gets exactly the ones a case sets, so a
// DATABASE_URL or ZITADEL_API_URL exported in the developer's shell cannot leak into a case.
const BACKEND_VARIABLES = [
  'PORT',
  'HOST',
  'METRICS_PORT',
  'DATABASE_URL',
  'PGLITE_DIR',
  'OIDC_ISSUER',
  'OIDC_AUDIENCE',
  'OIDC_CLIENT_IDS',
  'OIDC_INTROSPECTION_CLIENT_ID',
  'OIDC_INTROSPECTION_CLIENT_SECRET',
  'OIDC_INTROSPECTION_KEY_FILE',
  'OIDC_INTROSPECTION_MAX_PER_SECOND',
  'OIDC_INTROSPECTION_MAX_CONCURRENT',
  'HTTP_HEADERS_TIMEOUT_MS',
  'HTTP_REQUEST_TIMEOUT_MS',
  'HTTP_KEEP_ALIVE_TIMEOUT_MS',
  'HTTP_MAX_CONNECTIONS',
  'CORS_ORIGINS',
  'ZITADEL_WEBHOOK_SIGNING_KEYS',
  'ZITADEL_API_URL',
  'ZITADEL_PAT',
  'RECONCILER_INTERVAL_MS',
  'RECONCILER_OVERLAP_MS',
  'RECONCILER_MAX_LAG_MS',
  'ZITADEL_API_TIMEOUT_MS',
  'SYNC_RETRY_ATTEMPTS',
  'SYNC_RETRY_BASE_MS',
  'SYNC_PROJECTION_SETTLE_MS',
  'LOG_LEVEL',
];

const live = new Set<ChildProcess>();
// A case that fails half-way must not leave backends running after the worker exits.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface BackendChild {
  readonly pid: number;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  isAlive(): boolean;
  /** The last ~256 KiB of stdout and stderr, for failure messages. */
  output(): string;
  /** pino lines at level error or fatal: evidence of unhandled failures. */
  errorLines(): string[];
  kill(signal: NodeJS.Signals): void;
}

/**
 * Runs a backend entry point (`src/main.ts`, `src/cli/…`) as a real process: `node --import tsx`
 * rather than the `tsx` binary, because that binary forks a second node process, and a SIGKILL
 * or an RSS reading must reach the process that does the work.
 */
export function spawnBackendEntry(entry: string, env: Record<string, string>): BackendChild {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !BACKEND_VARIABLES.includes(name)),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: BACKEND_DIR,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${entry}`);
  live.add(child);
  let output = '';
  const errors: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-256 * 1024);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (/"level":(50|60)/.test(line) && errors.length < 50) errors.push(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit').then(([code, signal]) => {
    live.delete(child);
    return (code as number | null) ?? (signal as string);
  });
  return {
    pid: child.pid,
    exited,
    isAlive: () => child.exitCode === null && child.signalCode === null,
    output: () => output,
    errorLines: () => [...errors],
    kill: (signal) => {
      child.kill(signal);
    },
  };
}

export interface BackendOptions {
  databaseUrl: string;
  issuer: string;
  audience: string;
  /** Default: the test issuer's SPA client. */
  clientIds?: string;
  webhookSigningKeys?: string[];
  /** More variables, e.g. the reconciler's. */
  env?: Record<string, string>;
}

export interface RunningBackend extends BackendChild {
  readonly baseUrl: string;
  /** Resident set size of the backend process, from /proc, in KiB. */
  rssKiB(): number;
  /** SIGTERM (graceful shutdown), then SIGKILL if it has not ended within 10 s. */
  stop(): Promise<void>;
}

/** Starts `src/main.ts` on a free port and resolves once `/healthz` answers (migrations done). */
export async function startBackend(options: BackendOptions): Promise<RunningBackend> {
  const port = await freePort();
  const child = spawnBackendEntry('src/main.ts', {
    PORT: String(port),
    HOST: '127.0.0.1',
    // Any free port: cases run several backends at once (replicas), and none scrapes them.
    METRICS_PORT: '0',
    DATABASE_URL: options.databaseUrl,
    OIDC_ISSUER: options.issuer,
    OIDC_AUDIENCE: options.audience,
    OIDC_CLIENT_IDS: options.clientIds ?? TEST_CLIENT_ID,
    ZITADEL_WEBHOOK_SIGNING_KEYS: (options.webhookSigningKeys ?? []).join(','),
    LOG_LEVEL: 'warn',
    ...options.env,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    // At LOG_LEVEL=warn the "listening" line is not printed: the health endpoint is the signal.
    await waitUntil(
      `backend on ${baseUrl} to answer /healthz`,
      async () => {
        if (!child.isAlive()) throw new Error(`backend exited early:\n${child.output()}`);
        const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
        return response.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${String(error)}\n--- backend output ---\n${child.output()}`);
  }
  return {
    ...child,
    baseUrl,
    rssKiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
      if (!match?.[1]) throw new Error(`no VmRSS for pid ${child.pid}`);
      return Number(match[1]);
    },
    async stop() {
      if (!child.isAlive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await child.exited;
      clearTimeout(timer);
    },
  };
}
