// What a test needs to see of running processes (Linux /proc): a process's children, where it
// runs, and whether it is gone. Used to find one part of `npm start` to kill, and to check that
// nothing is left behind.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  state: string;
  cwd: string;
  cmdline: string;
}

function read(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    const [state = '', ppid = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // A zombie has no working directory left.
    }
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, ppid: Number(ppid), state, cwd, cmdline };
  } catch {
    return undefined;
  }
}

function all(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => read(Number(name)))
    .filter((info): info is ProcessInfo => info !== undefined);
}

/** Every process below `pid`, children first. */
export function descendants(pid: number): ProcessInfo[] {
  const processes = all();
  const found: ProcessInfo[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const info of processes) {
      if (info.ppid === parent) {
        found.push(info);
        queue.push(info.pid);
      }
    }
  }
  return found;
}

/** Gone, or a zombie waiting for a parent to collect it (it holds no port and runs no code). */
export function isGone(pid: number): boolean {
  const info = read(pid);
  return info === undefined || info.state === 'Z';
}

export async function listen(port = 0): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

export function portOf(server: Server): number {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('not listening');
  return address.port;
}

export interface Run {
  pid: number;
  stdout: () => string;
  stderr: () => string;
  /** Both streams, in the order they arrived. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitCode: () => number | null | undefined;
}

/** Runs `npm start` the way a person (or a process manager) does: npm is the process we hold. */
export function npmStart(
  cwd: string,
  args: string[],
  env: Record<string, string>,
  onSpawn: (pid: number) => void,
): Run {
  const child = spawn('npm', ['start', ...args], {
    cwd,
    env: { ...process.env, FORCE_COLOR: '0', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('npm did not start');
  onSpawn(child.pid);
  let out = '';
  let err = '';
  let both = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
    both += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    err += chunk;
    both += chunk;
  });
  let code: number | null | undefined;
  return {
    pid: child.pid,
    stdout: () => out,
    stderr: () => err,
    output: () => both,
    exitCode: () => code,
    exited: new Promise((resolve) =>
      child.once('exit', (exitCode, signal) => {
        code = exitCode;
        resolve({ code: exitCode, signal });
      }),
    ),
  };
}
