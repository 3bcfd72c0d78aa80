// Starts the whole product on one machine without Docker: the local identity provider, the backend
// and the frontend, each as its own process, and waits until each answers. `npm start` uses it
// with the person's ports (or the defaults); the end-to-end suite uses it with its own ports,
// data folder and Postgres.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createService, logTail, type Service, type ServiceExit } from './stack-service';

export type { Service, ServiceExit } from './stack-service';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

/** The local identity provider's fixed identities, mirrored by frontend/public/config.json. */
export const LOCAL_CLIENT_ID = 'liverty-music-spa';
export const LOCAL_PROJECT_ID = '336500000000000100';

export interface StackOptions {
  /** Everything generated at run time lives here: dev-only keys, PGlite, logs. */
  dataDir: string;
  idpPort: number;
  apiPort: number;
  webPort: number;
  /** Real Postgres for the backend; unset → PGlite inside dataDir. */
  databaseUrl?: string;
  /** `dev`: Vite's dev server; `preview`: the production build (built first). */
  web: 'dev' | 'preview';
  /** Deliver the identity provider's events to the backend's webhook. */
  webhook?: boolean;
  /** Have the identity provider call the backend's Actions v2 targets (enricher, signup policy). */
  actions?: boolean;
  /** Run the Event API reconciler in the backend. */
  reconciler?: boolean;
  reconcilerIntervalMs?: number;
  logLevel?: string;
  /** Aborting it while the stack starts stops whatever already runs; startStack then rejects. */
  signal?: AbortSignal;
  /** Opens this run in each log file (with the time); default: this process's command line. */
  runLabel?: string;
  /** Called when a part exits while nobody asked it to stop (it stays stopped). */
  onUnexpectedExit?: (service: Service, exit: ServiceExit) => void;
}

export interface Stack {
  appUrl: string;
  issuer: string;
  apiUrl: string;
  /** Dev-only secrets generated on first start and shared by the identity provider and backend. */
  secrets: DevSecrets;
  idp: Service;
  backend: Service;
  web: Service;
  stop(): Promise<void>;
  /** SIGTERM to every part without waiting, for a process that is exiting now. */
  terminateNow(): void;
}

interface DevSecrets {
  webhookSigningKey: string;
  pat: string;
  /** One per Actions v2 target, as ZITADEL gives each target its own (docs/decisions/029). */
  preAccessTokenSigningKey: string;
  preUserinfoSigningKey: string;
  addHumanUserSigningKey: string;
}

/** Generated once per data folder (git-ignored): dev-only, never committed, never reused elsewhere. */
function loadDevSecrets(dataDir: string): DevSecrets {
  const file = join(dataDir, 'dev-secrets.json');
  const generate = () => `dev-only-${randomBytes(24).toString('base64url')}`;
  const stored = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>)
    : {};
  // A folder from before a secret existed gets the missing one added.
  if (
    stored.webhookSigningKey &&
    stored.pat &&
    stored.preAccessTokenSigningKey &&
    stored.preUserinfoSigningKey &&
    stored.addHumanUserSigningKey
  )
    return stored as DevSecrets;
  const secrets = {
    webhookSigningKey: stored.webhookSigningKey ?? generate(),
    pat: stored.pat ?? generate(),
    preAccessTokenSigningKey: stored.preAccessTokenSigningKey ?? generate(),
    preUserinfoSigningKey: stored.preUserinfoSigningKey ?? generate(),
    addHumanUserSigningKey: stored.addHumanUserSigningKey ?? generate(),
  };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

/**
 * The identity provider calls the backend's Actions v2 targets as ZITADEL would after
 * zitadel-setup: the identity enricher on every access token and userinfo answer, the signup
 * policy on every registration. Each call times out after 2 s, like the targets zitadel-setup creates.
 */
function actionTargetsEnv(apiUrl: string | undefined, secrets: DevSecrets): NodeJS.ProcessEnv {
  const url = (target: string) => (apiUrl ? `${apiUrl}/actions/zitadel/${target}` : '');
  return {
    LOCAL_IDP_ACTIONS_PREACCESSTOKEN_URL: url('preaccesstoken'),
    LOCAL_IDP_ACTIONS_PREUSERINFO_URL: url('preuserinfo'),
    LOCAL_IDP_ACTIONS_ADD_HUMAN_USER_URL: url('add-human-user'),
    LOCAL_IDP_ACTIONS_PREACCESSTOKEN_SIGNING_KEY: secrets.preAccessTokenSigningKey,
    LOCAL_IDP_ACTIONS_PREUSERINFO_SIGNING_KEY: secrets.preUserinfoSigningKey,
    LOCAL_IDP_ACTIONS_ADD_HUMAN_USER_SIGNING_KEY: secrets.addHumanUserSigningKey,
    LOCAL_IDP_ACTIONS_TIMEOUT_MS: '2000',
  };
}

/** The backend's per-target Actions keys: each target verifies only with its own. */
function actionKeysEnv(secrets: DevSecrets | undefined): NodeJS.ProcessEnv {
  return {
    ZITADEL_ACTIONS_PREACCESSTOKEN_SIGNING_KEYS: secrets?.preAccessTokenSigningKey ?? '',
    ZITADEL_ACTIONS_PREUSERINFO_SIGNING_KEYS: secrets?.preUserinfoSigningKey ?? '',
    ZITADEL_ACTIONS_ADD_HUMAN_USER_SIGNING_KEYS: secrets?.addHumanUserSigningKey ?? '',
  };
}

/**
 * Copies the identity provider's discovery document into the SPA's config.json, so the callback
 * redeems the code without fetching it first (frontend/src/config/load-config.ts).
 */
async function addOidcMetadata(configFile: string, issuer: string) {
  const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!discovery.ok) throw new Error(`${issuer} discovery answered HTTP ${discovery.status}`);
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  config.oidcMetadata = await discovery.json();
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const dataDir = resolve(options.dataDir);
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const secrets = loadDevSecrets(dataDir);

  const host = '127.0.0.1';
  const issuer = `http://${host}:${options.idpPort}`;
  const apiUrl = `http://${host}:${options.apiPort}`;
  const appUrl = `http://${host}:${options.webPort}`;
  const appOrigins = [appUrl, `http://localhost:${options.webPort}`];

  // What the SPA reads at run time; served at /config.json by the Vite server (see vite.config.ts).
  const configFile = join(dataDir, 'config.json');
  writeFileSync(
    configFile,
    `${JSON.stringify(
      {
        oidcAuthority: issuer,
        oidcClientId: LOCAL_CLIENT_ID,
        oidcExtraScope: `urn:zitadel:iam:org:project:id:${LOCAL_PROJECT_ID}:aud`,
        apiBaseUrl: apiUrl,
      },
      null,
      2,
    )}\n`,
  );

  // No colour codes in log files: FORCE_COLOR=0 for chalk, NO_COLOR for picocolors (Vite), which
  // reads any FORCE_COLOR, even 0, as "force".
  const baseEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  const runLabel = options.runLabel ?? process.argv.slice(1).join(' ');
  // While starting, a part that exits fails the start (and is named in its error); once all run,
  // the caller hears of it.
  let started = false;
  let exitedWhileStarting: Service | undefined;
  const unexpectedExit = (service: () => Service) => (exit: ServiceExit) => {
    if (started) options.onUnexpectedExit?.(service(), exit);
    else exitedWhileStarting ??= service();
  };
  const idp = createService({
    name: 'local-idp',
    url: issuer,
    readyUrl: `${issuer}/.well-known/openid-configuration`,
    command: bin('tsx'),
    args: ['src/main.ts'],
    cwd: join(ROOT, 'local-idp'),
    logDir,
    runLabel,
    onUnexpectedExit: unexpectedExit(() => idp),
    env: {
      ...baseEnv,
      LOCAL_IDP_ISSUER: issuer,
      LOCAL_IDP_DATA_DIR: join(dataDir, 'local-idp'),
      LOCAL_IDP_CLIENT_ID: LOCAL_CLIENT_ID,
      LOCAL_IDP_PROJECT_ID: LOCAL_PROJECT_ID,
      LOCAL_IDP_REDIRECT_URIS: appOrigins.map((origin) => `${origin}/callback`).join(','),
      LOCAL_IDP_POST_LOGOUT_REDIRECT_URIS: appOrigins.map((origin) => `${origin}/`).join(','),
      LOCAL_IDP_PAT: secrets.pat,
      LOCAL_IDP_WEBHOOK_SIGNING_KEY: secrets.webhookSigningKey,
      LOCAL_IDP_WEBHOOK_TARGETS: options.webhook === false ? '' : `${apiUrl}/webhooks/zitadel`,
      ...actionTargetsEnv(options.actions === false ? undefined : apiUrl, secrets),
    },
  });
  const backend = createService({
    name: 'backend',
    url: apiUrl,
    readyUrl: `${apiUrl}/readyz`,
    command: bin('tsx'),
    args: ['src/main.ts'],
    cwd: join(ROOT, 'backend'),
    logDir,
    runLabel,
    onUnexpectedExit: unexpectedExit(() => backend),
    env: {
      ...baseEnv,
      PORT: String(options.apiPort),
      HOST: host,
      // Any free port (the backend logs its URL): end-to-end workers run stacks side by side.
      METRICS_PORT: '0',
      DATABASE_URL: options.databaseUrl ?? '',
      PGLITE_DIR: join(dataDir, 'pglite'),
      OIDC_ISSUER: issuer,
      OIDC_AUDIENCE: LOCAL_PROJECT_ID,
      OIDC_CLIENT_IDS: LOCAL_CLIENT_ID,
      CORS_ORIGINS: appOrigins.join(','),
      ZITADEL_WEBHOOK_SIGNING_KEYS: secrets.webhookSigningKey,
      ...actionKeysEnv(options.actions === false ? undefined : secrets),
      ZITADEL_ACTIONS_CLIENT_IDS: LOCAL_CLIENT_ID,
      ZITADEL_API_URL: options.reconciler === false ? '' : issuer,
      ZITADEL_PAT: options.reconciler === false ? '' : secrets.pat,
      RECONCILER_INTERVAL_MS: String(options.reconcilerIntervalMs ?? 5000),
      LOG_LEVEL: options.logLevel ?? 'info',
    },
  });
  const webArgs =
    options.web === 'dev'
      ? ['--host', host, '--port', String(options.webPort), '--strictPort']
      : ['preview', '--host', host, '--port', String(options.webPort), '--strictPort'];
  const web = createService({
    name: 'frontend',
    url: appUrl,
    readyUrl: `${appUrl}/config.json`,
    command: bin('vite'),
    args: webArgs,
    cwd: join(ROOT, 'frontend'),
    logDir,
    runLabel,
    onUnexpectedExit: unexpectedExit(() => web),
    env: { ...baseEnv, APP_CONFIG_FILE: configFile },
  });

  if (options.web === 'preview') {
    await new Promise<void>((resolveBuild, reject) => {
      const build = spawn(bin('vite'), ['build', '--logLevel', 'warn'], {
        cwd: join(ROOT, 'frontend'),
        stdio: 'inherit',
      });
      build.once('exit', (code) =>
        code === 0 ? resolveBuild() : reject(new Error(`vite build exited ${code}`)),
      );
    });
  }

  const services = [idp, backend, web];
  const stopAll = () => Promise.all(services.map((service) => service.stop()));
  // Ending the processes makes the readiness waits below fail at once.
  const onAbort = () => void stopAll();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    options.signal?.throwIfAborted();
    // The backend discovers the issuer lazily, so order matters only for a clean first request.
    await idp.start();
    await addOidcMetadata(configFile, issuer);
    options.signal?.throwIfAborted();
    await Promise.all([backend.start(), web.start()]);
    options.signal?.throwIfAborted();
  } catch (error) {
    await stopAll();
    if (options.signal?.aborted) throw options.signal.reason;
    const failed = exitedWhileStarting;
    const tail = failed ? logTail(failed.logFile, 25) : '';
    throw new Error(
      `${(error as Error).message}${tail ? `\n--- ${failed?.logFile} (last lines)\n${tail}` : ''}`,
    );
  }

  options.signal?.removeEventListener('abort', onAbort);
  started = true;
  return {
    appUrl,
    issuer,
    apiUrl,
    secrets,
    idp,
    backend,
    web,
    async stop() {
      await stopAll();
    },
    terminateNow() {
      for (const service of services) service.terminateNow();
    },
  };
}
