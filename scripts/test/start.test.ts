// `npm start` as people and process managers meet it, run for real as `npm start` in a child
// process: a port already taken, options typed without `--`, a full start on custom ports stopped
// by SIGTERM to npm's process only, npm itself killed, SIGHUP to npm, and one part killed under it. Each test uses
// free ports and its own data folder, and checks that no port stays taken afterwards.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePorts } from '@liverty-music/test-support/free-port';
import { waitUntil } from '@liverty-music/test-support/wait-until';
import { isPortFree } from '../port-check';
import { ROOT } from '../stack';
import { descendants, isGone, listen, npmStart, portOf, type Run } from './support/processes';

const started: number[] = [];
after(() => {
  // Safety net for a failed test: never leave a start (or what it started) running.
  for (const pid of started) {
    for (const info of descendants(pid).reverse()) {
      try {
        process.kill(info.pid, 'SIGKILL');
      } catch {}
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
});

const start = (args: string[], env: Record<string, string> = {}) =>
  npmStart(ROOT, args, env, (pid) => started.push(pid));

function tempDataDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'liverty-start-')), 'data');
}

async function summary(run: Run): Promise<string> {
  await waitUntil(
    'the summary',
    () => /Stop +Ctrl-C/.test(run.stdout()) || run.exitCode() !== undefined,
    { timeoutMs: 150_000 },
  );
  assert.match(run.stdout(), /Stop +Ctrl-C/, `no summary; output so far:\n${run.output()}`);
  return run.stdout();
}

/** The node process running scripts/start.ts under npm. */
function startScript(run: Run) {
  const found = descendants(run.pid).find((info) => info.cmdline.includes('scripts/start.ts'));
  assert.ok(found, 'start.ts runs under npm');
  return found;
}

async function assertPortsFree(ports: number[]) {
  for (const port of ports) assert.equal(await isPortFree(port), true, `port ${port} is free`);
}

describe('npm start', () => {
  it('with a port taken: says which and the exact command, exits 1, starts nothing', async () => {
    const [api, web] = await freePorts(2);
    const holder = await listen();
    const taken = portOf(holder);
    const dataDir = tempDataDir();
    try {
      const run = start(['--', '--data-dir', dataDir], {
        IDP_PORT: String(taken),
        API_PORT: String(api),
        WEB_PORT: String(web),
      });
      const { code } = await run.exited;
      console.log(`--- npm start with port ${taken} taken (exit ${code}):\n${run.output()}`);

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
      assert.doesNotMatch(run.output(), /^\s+at /m);
      assert.doesNotMatch(run.stdout(), /Open http/);
      assert.equal(existsSync(dataDir), false, 'no data folder, so no service was spawned');
      await assertPortsFree([api, web]);
    } finally {
      holder.close();
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });

  it('refuses --idp-port=N typed without "--" (npm keeps it) and prints the command that works', async () => {
    const [idp] = await freePorts(1);
    const dataDir = tempDataDir();
    try {
      // Bad input tried: the port flag and --reset without `--`, and a data folder after `--`.
      const run = start([`--idp-port=${idp}`, '--reset', '--', '--data-dir', dataDir]);
      const { code } = await run.exited;
      console.log(`--- npm start --idp-port=${idp} --reset (exit ${code}):\n${run.output()}`);
      assert.equal(code, 2);
      assert.match(
        run.stderr(),
        /came without `--` in front, so npm kept them as its own settings/,
      );
      assert.match(
        run.stderr(),
        new RegExp(`\\n {2}npm start -- --idp-port=${idp} --reset --data-dir ${dataDir}\\n`),
      );
      assert.match(run.stderr(), /Nothing was started\./);
      assert.equal(existsSync(dataDir), false, 'nothing started, nothing deleted');
      await assertPortsFree([idp]);
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });

  it('on custom ports: says where everything runs and how to start over on the same ports; SIGTERM to npm alone stops all of it', async () => {
    const [idp, api, web] = await freePorts(3);
    const dataDir = tempDataDir();
    try {
      const run = start(['--', '--data-dir', dataDir, '--idp-port', String(idp)], {
        API_PORT: String(api),
        WEB_PORT: String(web),
      });
      const out = await summary(run);
      console.log(`--- npm start on custom ports:\n${run.output()}`);
      assert.match(out, new RegExp(`^Open http://127\\.0\\.0\\.1:${web}\\n\\n`, 'm'));
      assert.match(out, new RegExp(`Identity provider +http://127\\.0\\.0\\.1:${idp} `));
      assert.match(out, new RegExp(`API +http://127\\.0\\.0\\.1:${api} `));
      assert.match(out, new RegExp(`Database +PGlite in ${dataDir}/pglite/`));
      assert.match(out, new RegExp(`Logs +${dataDir}/logs/ `));
      // The hint keeps the ports as they were given: environment stays environment, flags flags.
      assert.match(
        out,
        new RegExp(
          `Start over +API_PORT=${api} WEB_PORT=${web} npm start -- --reset --idp-port ${idp} --data-dir ${dataDir} `,
        ),
      );

      // What it says is true: each address answers.
      for (const url of [
        `http://127.0.0.1:${idp}/.well-known/openid-configuration`,
        `http://127.0.0.1:${api}/readyz`,
        `http://127.0.0.1:${web}/config.json`,
      ]) {
        assert.equal((await fetch(url)).status, 200, url);
      }
      // The logs: a separator with the command, times and levels, no colour codes, no JSON.
      for (const name of ['local-idp', 'backend', 'frontend']) {
        const log = readFileSync(join(dataDir, 'logs', `${name}.log`), 'utf8');
        assert.match(log, /^\n===== \d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}API_PORT=/, name);
        assert.match(log, /\n\d\d:\d\d:\d\d\.\d{3} (INFO |WARN ) +\S/, name);
        assert.equal(log.includes('\u001b['), false, `${name}: no colour codes`);
        assert.doesNotMatch(log, /^\{"level"/m, `${name}: no raw JSON`);
      }
      assert.match(
        readFileSync(join(dataDir, 'logs', 'backend.log'), 'utf8'),
        /\d\d:\d\d:\d\d\.\d{3} INFO {2}backend listening on http/,
      );

      // An IDE's stop button or `kill <pid>`: SIGTERM to npm's own process and nothing else.
      process.kill(run.pid, 'SIGTERM');
      const { code, signal } = await run.exited;
      console.log(
        `--- after SIGTERM to npm (exit ${code ?? signal}):\n${run.output().slice(out.length)}`,
      );
      assert.match(run.stdout(), /SIGTERM: stopping everything npm start started/);
      assert.match(run.stdout(), /Stopped\. Nothing from npm start is running any more\./);
      // npm returns only once everything stopped: the ports are free the moment it exits.
      await assertPortsFree([idp, api, web]);
      assert.deepEqual(descendants(run.pid), []);
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });

  it('stops everything when npm itself is killed (nothing can pass SIGKILL on)', async () => {
    const [idp, api, web] = await freePorts(3);
    const dataDir = tempDataDir();
    try {
      const run = start(['--', '--data-dir', dataDir], {
        IDP_PORT: String(idp),
        API_PORT: String(api),
        WEB_PORT: String(web),
      });
      const out = await summary(run);
      const script = startScript(run);
      process.kill(run.pid, 'SIGKILL');
      await waitUntil('start.ts to stop the parts and exit', () => isGone(script.pid), {
        timeoutMs: 30_000,
      });
      console.log(`--- after SIGKILL to npm:\n${run.output().slice(out.length)}`);
      assert.match(run.stdout(), /npm start's parent process \(pid \d+\) ended: stopping/);
      assert.match(run.stdout(), /Stopped\. Nothing from npm start is running any more\./);
      await assertPortsFree([idp, api, web]);
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });

  it('stops everything on SIGHUP to npm (a closed terminal, systemd reload), which npm does not pass on', async () => {
    const [idp, api, web] = await freePorts(3);
    const dataDir = tempDataDir();
    try {
      const run = start(['--', '--data-dir', dataDir], {
        IDP_PORT: String(idp),
        API_PORT: String(api),
        WEB_PORT: String(web),
      });
      const out = await summary(run);
      const script = startScript(run);
      process.kill(run.pid, 'SIGHUP');
      await waitUntil('start.ts to stop the parts and exit', () => isGone(script.pid), {
        timeoutMs: 30_000,
      });
      console.log(`--- after SIGHUP to npm:\n${run.output().slice(out.length)}`);
      // npm 11 dies of SIGHUP and start.ts notices; an npm that passed it on would say SIGHUP.
      assert.match(run.stdout(), /(SIGHUP|npm start's parent process \(pid \d+\) ended): stopping/);
      assert.match(run.stdout(), /Stopped\. Nothing from npm start is running any more\./);
      await assertPortsFree([idp, api, web]);
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });

  it('says which part stopped and where its log is, stops the others and exits 1', async () => {
    const [idp, api, web] = await freePorts(3);
    const dataDir = tempDataDir();
    try {
      const run = start(['--', '--data-dir', dataDir], {
        IDP_PORT: String(idp),
        API_PORT: String(api),
        WEB_PORT: String(web),
      });
      const out = await summary(run);
      // The API's own node process (under its tsx wrapper), as an out-of-memory kill would hit it.
      const api_ = descendants(run.pid).find(
        (info) => info.cwd === join(ROOT, 'backend') && info.cmdline.includes('src/main.ts'),
      );
      assert.ok(api_, 'the backend runs under npm start');
      const inner = descendants(api_.pid).find((info) => info.cmdline.includes('src/main.ts'));
      process.kill((inner ?? api_).pid, 'SIGKILL');

      const { code } = await run.exited;
      console.log(`--- after killing the API (exit ${code}):\n${run.output().slice(out.length)}`);
      assert.equal(code, 1);
      assert.match(
        run.stderr(),
        /npm start: the API \(backend\) stopped on its own \(exit code 137: killed by SIGKILL\)\./,
      );
      assert.match(
        run.stderr(),
        new RegExp(`Its log is ${dataDir}/logs/backend\\.log; its last lines:\\n`),
      );
      assert.match(run.stderr(), /\n {2}\| \d\d:\d\d:\d\d\.\d{3} INFO {2}backend listening on/);
      assert.match(run.stdout(), /Stopped\. Nothing from npm start is running any more\./);
      await assertPortsFree([idp, api, web]);
    } finally {
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });
});
