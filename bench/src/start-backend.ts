import { freePort } from '@liverty-music/test-support/free-port';
import { BENCH_DIR, type Checkout, THIS_CHECKOUT, TSX } from './bench-config';
import { BENCH_AUDIENCE, BENCH_CLIENT_ID } from './bench-identity';
import { type ChildService, startChildService } from './start-child-service';

export interface RunningServer {
  origin: string;
  service: ChildService;
}

/** The real backend (backend/src/main.ts) as it is deployed: its own process, real Postgres. */
export async function startBackend(options: {
  name: string;
  databaseUrl: string;
  issuer: string;
  /**
   * Node flags such as --cpu-prof, which NODE_OPTIONS does not accept: node then runs the entry
   * with tsx as an import hook instead of through the tsx launcher.
   */
  nodeArgs?: string[];
  /** More environment for the backend (e.g. the Actions v2 signing keys). */
  env?: Record<string, string>;
  /** Another checkout's backend, for a same-run A/B of two builds (default: this one). */
  checkout?: Checkout;
}): Promise<RunningServer> {
  const { backendDir, tsx } = options.checkout ?? THIS_CHECKOUT;
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const service = await startChildService({
    name: options.name,
    command: options.nodeArgs ? process.execPath : tsx,
    args: options.nodeArgs
      ? [...options.nodeArgs, '--import', 'tsx', 'src/main.ts']
      : ['src/main.ts'],
    cwd: backendDir,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      // Several backends run at once (scaling): each takes any free metrics port.
      METRICS_PORT: '0',
      DATABASE_URL: options.databaseUrl,
      OIDC_ISSUER: options.issuer,
      OIDC_AUDIENCE: BENCH_AUDIENCE,
      OIDC_CLIENT_IDS: BENCH_CLIENT_ID,
      CORS_ORIGINS: '',
      ZITADEL_WEBHOOK_SIGNING_KEYS: '',
      ZITADEL_API_URL: '',
      ZITADEL_PAT: '',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    readyUrl: `${origin}/readyz`,
  });
  return { origin, service };
}

/** One of the peers in src/serve.ts: `noop` (framework limit) or `naive` (select-then-insert). */
export async function startPeer(options: {
  peer: 'noop' | 'naive';
  databaseUrl?: string;
  issuer: string;
  /** Node flags such as --cpu-prof, as for startBackend. */
  nodeArgs?: string[];
}): Promise<RunningServer> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const service = await startChildService({
    name: `${options.peer} peer`,
    command: options.nodeArgs ? process.execPath : TSX,
    args: options.nodeArgs
      ? [...options.nodeArgs, '--import', 'tsx', 'src/serve.ts']
      : ['src/serve.ts'],
    // tsx reads bench/tsconfig.json from here, whose `paths` locate the Connect packages.
    cwd: BENCH_DIR,
    env: {
      PORT: String(port),
      BENCH_PEER: options.peer,
      DATABASE_URL: options.databaseUrl,
      OIDC_ISSUER: options.issuer,
      OIDC_AUDIENCE: BENCH_AUDIENCE,
      OIDC_CLIENT_IDS: BENCH_CLIENT_ID,
    },
    readyUrl: `${origin}/readyz`,
  });
  return { origin, service };
}
