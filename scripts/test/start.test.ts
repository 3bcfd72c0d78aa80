// `npm start` as a newcomer meets it, in a child process on this machine: a port already taken,
// and a full start with its summary and Ctrl-C. Each test uses free ports and its own data folder.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isPortFree } from '../port-check';
import { ROOT } from '../stack';

async function listen(port = 0): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

function portOf(server: Server): number {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('not listening');
  return address.port;
}

/** Three ports free right now (each opened and closed again). */
async function freePorts(): Promise<[number, number, number]> {
  const servers = await Promise.all([listen(), listen(), listen()]);
  const ports: [number, number, number] = [
    portOf(servers[0]),
    portOf(servers[1]),
    portOf(servers[2]),
  ];
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
after(() => {
  // Safety net for a failed test: never leave a start (or what it started) running.
  for (const child of children) if (child.exitCode === null) child.kill('SIGINT');
});

function start(args: string[], env: Record<string, string>): Run {
  // Node with tsx's loader, as `npm start` runs it, so the signal goes to start.ts itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    err += chunk;
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
}

async function until(what: string, condition: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; !condition(); delay = Math.min(delay * 2, 500)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

describe('npm start', () => {
  it('with a port taken: says which and the exact command, exits 1, starts nothing', async () => {
    const [api, web] = await freePorts();
    const holder = await listen();
    const taken = portOf(holder);
    const dataDir = join(mkdtempSync(join(tmpdir(), 'liverty-start-')), 'data');
    try {
      const run = start(['--data-dir', dataDir], {
        IDP_PORT: String(taken),
        API_PORT: String(api),
        WEB_PORT: String(web),
      });
      const code = await run.exited;
      console.log(
        `--- stderr of the start with port ${taken} taken (exit ${code}):\n${run.stderr()}`,
      );

      assert.equal(code, 1);
      assert.match(
        run.stderr(),
        new RegExp(
          `port ${taken} \\(local identity provider\\) is already in use on 127\\.0\\.0\\.1`,
        ),
      );
      const suggested = new RegExp(
        `\\n {2}IDP_PORT=(\\d+) API_PORT=${api} WEB_PORT=${web} npm start -- --data-dir ${dataDir}\\n`,
      ).exec(run.stderr());
      assert.ok(suggested, 'the exact command to use another port');
      const other = Number(suggested[1]);
      assert.notEqual(other, taken);
      assert.equal(await isPortFree(other), true, 'the suggested port is free');
      // No stack trace, and no sign of a service having started.
      assert.doesNotMatch(run.stderr() + run.stdout(), /^\s+at /m);
      assert.doesNotMatch(run.stdout(), /Open http/);
      // Nothing is left running: nothing was created, and the other ports are still free.
      assert.equal(existsSync(dataDir), false, 'no data folder, so no service was spawned');
      assert.equal(await isPortFree(api), true);
      assert.equal(await isPortFree(web), true);
    } finally {
      holder.close();
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });

  it('prints where everything runs once it answers, and Ctrl-C stops all of it', async () => {
    const [idp, api, web] = await freePorts();
    const dataDir = join(mkdtempSync(join(tmpdir(), 'liverty-start-')), 'data');
    try {
      const run = start(['--data-dir', dataDir, '--idp-port', String(idp)], {
        API_PORT: String(api),
        WEB_PORT: String(web),
      });
      await until(
        'the summary',
        () => /Stop +Ctrl-C/.test(run.stdout()) || run.child.exitCode !== null,
        150_000,
      );
      console.log(`--- stdout of a full start:\n${run.stdout()}`);
      const out = run.stdout();
      assert.match(out, new RegExp(`^Open http://127\\.0\\.0\\.1:${web}\\n\\n`, 'm'));
      assert.match(out, new RegExp(`Identity provider +http://127\\.0\\.0\\.1:${idp} `));
      assert.match(out, /no accounts yet: click "Sign up" in the app/);
      assert.match(out, new RegExp(`API +http://127\\.0\\.0\\.1:${api} `));
      assert.match(out, new RegExp(`Database +PGlite in ${dataDir}/pglite/`));
      assert.match(out, new RegExp(`Logs +${dataDir}/logs/ `));
      assert.match(out, new RegExp(`Start over +npm start -- --reset --data-dir ${dataDir} `));
      assert.match(out, /Stop +Ctrl-C stops all three/);

      // What it says is true: each address answers, the folders exist.
      for (const url of [
        `http://127.0.0.1:${idp}/.well-known/openid-configuration`,
        `http://127.0.0.1:${api}/readyz`,
        `http://127.0.0.1:${web}/config.json`,
      ]) {
        assert.equal((await fetch(url)).status, 200, url);
      }
      assert.ok(existsSync(join(dataDir, 'pglite')));
      assert.ok(existsSync(join(dataDir, 'logs', 'backend.log')));

      run.child.kill('SIGINT');
      const code = await run.exited;
      console.log(`--- after Ctrl-C (exit ${code}):\n${run.stdout().slice(out.length)}`);
      assert.equal(code, 0);
      assert.match(run.stdout(), /Stopped\. Nothing from npm start is running any more\./);
      for (const port of [idp, api, web])
        assert.equal(await isPortFree(port), true, `port ${port}`);
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });
});
