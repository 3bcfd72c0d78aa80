// `npm start`: the whole product on embedded defaults (local identity provider, PGlite). It checks
// the Node.js version and that every port is free before it starts anything, prints where each part
// runs once all of them answer, and stops them all on Ctrl-C, on SIGTERM or SIGHUP, when npm (its
// parent) goes away, and when one of the parts stops on its own.
// package.json runs it as `exec node --import tsx scripts/start.ts`: no shell and no tsx wrapper
// in between, so the signal a process manager sends npm (which npm passes to its child) lands here.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { engineMinimum, judgeNodeVersion } from './node-version';
import { isPortFree, nextFreePort } from './port-check';
import { ROOT, type Service, type ServiceExit, type Stack, startStack } from './stack';
import { logTail } from './stack-service';
import { formatMisplacedOptions, misplacedNpmOptions, startCommand } from './start-commands';
import {
  formatPartStopped,
  formatPortsTaken,
  formatSummary,
  type TakenPort,
} from './start-messages';
import {
  PORT_SETTINGS,
  parseStartOptions,
  type StartOptions,
  USAGE,
  UsageError,
} from './start-options';

// A terminal that closed, or a process manager that stopped reading, must not turn our goodbye
// into an EPIPE crash that leaves the parts running.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

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

const misplaced = misplacedNpmOptions(process.env, process.argv.slice(2));
if (misplaced) fail(formatMisplacedOptions(misplaced), 2);

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
async function stop(reason: string, exitCode: number) {
  if (stopping) return;
  stopping = true;
  if (!stack) {
    starting.abort(new Error(`interrupted by ${reason}`));
    return;
  }
  console.log(`\n${reason}: stopping everything npm start started…`);
  await stack.stop();
  console.log('Stopped. Nothing from npm start is running any more.');
  process.exit(exitCode);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void stop(signal, 0));
}
// npm passes on SIGINT and SIGTERM but not SIGHUP, and nothing survives SIGKILL: when npm is gone
// we are adopted by another process, and stop. Checked twice a second; it costs a system call.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop(`npm start's parent process (pid ${parent}) ended`, 1);
}, 500).unref();
// Last resort for an exit nobody planned (an exception in this file): never leave parts behind.
process.on('exit', () => stack?.terminateNow());

function partStopped(service: Service, exit: ServiceExit) {
  if (stopping) return;
  console.error(
    formatPartStopped(
      { name: service.name, logFile: service.logFile, ...exit, tail: logTail(service.logFile) },
      process.cwd(),
    ),
  );
  void stop(`${service.name} stopped`, 1);
}

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
    runLabel: startCommand(options),
    onUnexpectedExit: partStopped,
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
