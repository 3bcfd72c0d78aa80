// `npm start`: the whole product on embedded defaults (local identity provider, PGlite). It checks
// the Node.js version and that every port is free before it starts anything, prints where each part
// runs once all of them answer, and stops them all on Ctrl-C.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { engineMinimum, judgeNodeVersion } from './node-version';
import { isPortFree, nextFreePort } from './port-check';
import { ROOT, type Stack, startStack } from './stack';
import { formatPortsTaken, formatSummary, type TakenPort } from './start-messages';
import {
  PORT_SETTINGS,
  parseStartOptions,
  type StartOptions,
  USAGE,
  UsageError,
} from './start-options';

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

async function takenPorts(options: StartOptions): Promise<TakenPort[]> {
  const chosen = new Set(Object.values(options.ports));
  const taken: TakenPort[] = [];
  for (const setting of PORT_SETTINGS) {
    const port = options.ports[setting.service];
    if (await isPortFree(port)) continue;
    const suggestion = await nextFreePort(port, chosen);
    if (suggestion !== undefined) chosen.add(suggestion);
    taken.push({ setting, port, suggestion });
  }
  return taken;
}

function countAccounts(dataDir: string): number {
  try {
    const file = JSON.parse(readFileSync(join(dataDir, 'local-idp', 'users.json'), 'utf8')) as {
      users?: unknown[];
    };
    return Array.isArray(file.users) ? file.users.length : 0;
  } catch {
    return 0;
  }
}

let options: StartOptions;
try {
  options = parseStartOptions(process.argv.slice(2), process.env);
} catch (error) {
  if (error instanceof UsageError) fail(`npm start: ${error.message}\n\n${USAGE}`, 2);
  throw error;
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}

const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const node = judgeNodeVersion(
  process.versions.node,
  engineMinimum(packageJson.engines.node),
  readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim(),
);
if (!node.ok) fail(node.message);

const taken = await takenPorts(options);
if (taken.length > 0) fail(formatPortsTaken(taken, options));
// Said once, and only when it starts: a refusal above should be all a person reads.
if (node.notice) console.log(node.notice);

const dataDir = resolve(options.dataDir ?? join(ROOT, '.data'));
if (options.reset && existsSync(dataDir)) {
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`Deleted ${relative(process.cwd(), dataDir) || dataDir}/: starting over.`);
}

// Ctrl-C while starting stops what already runs; after that, it stops the running stack.
const starting = new AbortController();
let stack: Stack | undefined;
let stopping = false;
async function stop(signal: NodeJS.Signals) {
  if (stopping) return;
  stopping = true;
  if (!stack) {
    starting.abort(new Error(`interrupted by ${signal}`));
    return;
  }
  console.log('\nStopping the identity provider, the API and the app…');
  await stack.stop();
  console.log('Stopped. Nothing from npm start is running any more.');
  process.exit(0);
}
process.on('SIGINT', (signal) => void stop(signal));
process.on('SIGTERM', (signal) => void stop(signal));

const databaseUrl = process.env.DATABASE_URL || undefined;
try {
  stack = await startStack({
    dataDir,
    idpPort: options.ports.idp,
    apiPort: options.ports.api,
    webPort: options.ports.web,
    // DATABASE_URL in the environment switches the backend to real Postgres.
    databaseUrl,
    web: 'dev',
    signal: starting.signal,
  });
} catch (error) {
  if (starting.signal.aborted) {
    fail('\nInterrupted while starting: stopped everything it had started.', 130);
  }
  // Taken between the check and the start (another program was quicker): say it the same way.
  const takenNow = await takenPorts(options);
  if (takenNow.length > 0) fail(formatPortsTaken(takenNow, options));
  fail(`npm start failed: ${(error as Error).message}`);
}

console.log(
  formatSummary({
    appUrl: stack.appUrl,
    idpUrl: stack.issuer,
    apiUrl: stack.apiUrl,
    dataDir,
    databaseUrl,
    accounts: countAccounts(dataDir),
    options,
    cwd: ROOT,
  }),
);
