import { type ChildProcess, spawn } from 'node:child_process';

export interface ChildService {
  readonly name: string;
  /** Process group id: the child and everything it spawned (tsx runs node as a grandchild). */
  readonly pgid: number;
  running(): boolean;
  /** The last lines it wrote, for an error message. */
  output(): string;
  /** SIGTERM to the group, SIGKILL after a grace period; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code once it exits on its own. */
  exited: Promise<number | null>;
}

export interface ChildServiceOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** Polled until it answers 2xx; omit for a one-shot command. */
  readyUrl?: string;
  readyTimeoutMs?: number;
}

// Groups still running when the bench exits for any reason (a thrown error, Ctrl-C) are killed,
// so an interrupted run never leaves servers holding ports and database connections.
const live = new Set<number>();
process.once('exit', () => {
  for (const pgid of live) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

const KEEP_LINES = 60;

export async function startChildService(options: ChildServiceOptions): Promise<ChildService> {
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, FORCE_COLOR: '0', ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`${options.name} could not be started`);
  live.add(pgid);

  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > KEEP_LINES) lines.splice(0, lines.length - KEEP_LINES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let running = true;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(pgid);
      resolve(code ?? (signal ? 128 : null));
    });
  });

  const service: ChildService = {
    name: options.name,
    pgid,
    running: () => running,
    output: () => lines.join('\n'),
    exited,
    async stop() {
      if (!running) return exited;
      try {
        process.kill(-pgid, 'SIGTERM');
      } catch {
        return exited;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };

  if (options.readyUrl) {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    for (let delay = 50; ; delay = Math.min(delay * 2, 250)) {
      if (!running) {
        throw new Error(`${options.name} exited before it was ready:\n${service.output()}`);
      }
      const ok = await fetch(options.readyUrl, { signal: AbortSignal.timeout(2000) }).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) {
        await service.stop();
        throw new Error(`${options.name} was not ready in time:\n${service.output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  return service;
}
