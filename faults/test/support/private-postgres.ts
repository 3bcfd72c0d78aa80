import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@liverty-music/test-support/free-port';

const run = promisify(execFile);
const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

/** The server must not run as root: every cluster command runs as the `postgres` OS user. */
async function asPostgres(command: string, args: string[], cwd: string) {
  const runner = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  const [file, ...rest] = [...runner, join(BIN, command), ...args];
  return run(file as string, rest, { cwd, timeout: 60_000 });
}

async function postgresUid(): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export interface PrivatePostgres {
  readonly url: string;
  /** `pg_ctl stop`; `immediate` is a crash: no checkpoint, clients cut off mid-statement. */
  stop(mode: 'immediate' | 'fast'): Promise<void>;
  /** `pg_ctl start -w`: returns once the server accepts connections (after crash recovery). */
  start(): Promise<void>;
  /** Stops the server if it runs and deletes the cluster directory. */
  destroy(): Promise<void>;
}

/**
 * A throwaway Postgres cluster in a temporary directory, on its own port and socket directory, so
 * a case can crash it without touching the shared server other suites use. fsync is off: the
 * case measures the backend's reaction to a dead server, not the disk.
 */
export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const root = await mkdtemp(join(tmpdir(), 'liverty-faults-pg-'));
  const data = join(root, 'data');
  const port = await freePort();
  if (process.getuid?.() === 0) {
    const { uid, gid } = await postgresUid();
    await chown(root, uid, gid);
  }
  await asPostgres(
    'initdb',
    ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
    root,
  );
  const options = [
    `-p ${port}`,
    `-k ${root}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c max_connections=60',
  ].join(' ');
  let running = false;
  const start = async () => {
    await asPostgres(
      'pg_ctl',
      ['-D', data, '-l', join(root, 'server.log'), '-o', options, '-w', '-t', '60', 'start'],
      root,
    );
    running = true;
  };
  const stop = async (mode: 'immediate' | 'fast') => {
    await asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop'], root);
    running = false;
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    async destroy() {
      if (running) await stop('immediate').catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
}
