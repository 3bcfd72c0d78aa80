// One part of the stack as a process: started in its own process group with its output written
// to its log file (see log-format.ts), watched for exiting on its own, and stopped with its whole
// process tree (tsx, npm and Vite start children of their own).
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatLogLine, lineSplitter, RUN_SEPARATOR_START, runSeparator } from './log-format';

/** How a part ended: its exit code, or the signal that ended it. */
export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Service {
  readonly name: string;
  readonly url: string;
  readonly logFile: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Sends SIGTERM to the whole process group without waiting: for a process that exits now. */
  terminateNow(): void;
  running(): boolean;
  /** The process id of the part's first process (the one `npm start` spawned). */
  pid(): number | undefined;
}

export interface ServiceOptions {
  name: string;
  url: string;
  readyUrl: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logDir: string;
  /** Written as the run's separator line at the top of this run's part of the log. */
  runLabel: string;
  /** Called when the part exits while nobody asked it to stop. */
  onUnexpectedExit?: (exit: ServiceExit) => void;
}

export async function waitUntil(
  ready: () => Promise<boolean>,
  alive: () => boolean,
  what: string,
  timeoutMs = 90_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    if (!alive()) throw new Error(`${what} exited before it was ready`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** True while any process of the group is left (a zombie counts until its parent reaps it). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nothing of the group is left.
  }
}

async function waitForGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** The last lines this run wrote to a log file (not an earlier run's), to show with a failure. */
export function logTail(logFile: string, lines = 15): string {
  if (!existsSync(logFile)) return '';
  const all = readFileSync(logFile, 'utf8').trimEnd().split('\n');
  const runStart = all.findLastIndex((line) => line.startsWith(RUN_SEPARATOR_START));
  return all
    .slice(runStart + 1)
    .slice(-lines)
    .join('\n');
}

export function createService(options: ServiceOptions): Service {
  const logFile = join(options.logDir, `${options.name}.log`);
  let child: ChildProcess | undefined;
  let exited = true;
  let stopping = false;
  const write = (line: string, stream: 'stdout' | 'stderr') => {
    const text = formatLogLine(line, stream, new Date());
    // Synchronous: the lines of a part that crashes are all in the file when we show its tail.
    if (text) appendFileSync(logFile, `${text}\n`);
  };
  return {
    name: options.name,
    url: options.url,
    logFile,
    running: () => !exited,
    pid: () => child?.pid,
    async start() {
      appendFileSync(logFile, runSeparator(new Date(), options.runLabel));
      exited = false;
      stopping = false;
      // Its own process group, so stop() ends the whole tree (npm/tsx/vite spawn children).
      child = spawn(options.command, options.args, {
        cwd: options.cwd,
        env: options.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out = lineSplitter((line) => write(line, 'stdout'));
      const err = lineSplitter((line) => write(line, 'stderr'));
      child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
      // 'close' comes after the last output: the log is complete when someone is told.
      child.once('close', (code, signal) => {
        out.flush();
        err.flush();
        exited = true;
        if (!stopping) options.onUnexpectedExit?.({ code, signal });
      });
      await waitUntil(
        async () => (await fetch(options.readyUrl, { signal: AbortSignal.timeout(2000) })).ok,
        () => !exited,
        options.name,
      );
    },
    async stop() {
      stopping = true;
      const pgid = child?.pid;
      if (pgid === undefined) return;
      // The group, even when its first process is gone: what it started may still hold the port.
      signalGroup(pgid, 'SIGTERM');
      if (!(await waitForGroupGone(pgid, 5000))) {
        signalGroup(pgid, 'SIGKILL');
        await waitForGroupGone(pgid, 2000);
      }
      // Gone: its number may be reused by an unrelated process, which must never get our signals.
      child = undefined;
    },
    terminateNow() {
      stopping = true;
      if (child?.pid !== undefined) signalGroup(child.pid, 'SIGTERM');
    },
  };
}
