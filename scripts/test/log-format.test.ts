// How a part's output reads in its log file: pino JSON as time, level, message and fields; plain
// lines with the time and without colour codes; each run opened by a separator with the command.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { clockTime, formatLogLine, lineSplitter, runSeparator } from '../log-format';
import { logTail } from '../stack-service';

const at = new Date(2026, 11, 7, 14, 3, 7, 42);

describe('log lines', () => {
  it('turns a pino line into time, level, message and its fields, without pid and hostname', () => {
    const line = JSON.stringify({
      level: 30,
      time: at.getTime(),
      pid: 12,
      hostname: 'vm',
      port: 3000,
      clientIds: ['spa'],
      msg: 'backend listening on http://127.0.0.1:3000',
    });
    assert.equal(
      formatLogLine(line, 'stdout', new Date(0)),
      '14:03:07.042 INFO  backend listening on http://127.0.0.1:3000 port=3000 clientIds=["spa"]',
    );
    // An ISO time (pino's isoTime) and the error level read the same way.
    const error = JSON.stringify({
      level: 50,
      time: at.toISOString(),
      msg: 'action call failed',
      target: 'preuserinfo',
      err: { type: 'Error', message: 'boom', stack: '    at a (x.ts:1:1)\n    at b (y.ts:2:2)' },
    });
    assert.equal(
      formatLogLine(error, 'stdout', new Date(0)),
      '14:03:07.042 ERROR action call failed target=preuserinfo err={"type":"Error","message":"boom"}\n        at a (x.ts:1:1)\n        at b (y.ts:2:2)',
    );
  });

  it('gives a plain line the time, a level by stream, and drops colour codes and blank lines', () => {
    assert.equal(
      formatLogLine('  \u001b[32m\u001b[1mVITE\u001b[22m v8.3.8\u001b[39m  ready', 'stdout', at),
      '14:03:07.042 INFO    VITE v8.3.8  ready',
    );
    assert.equal(
      formatLogLine('oidc-provider WARNING: Unsupported runtime.', 'stderr', at),
      '14:03:07.042 WARN  oidc-provider WARNING: Unsupported runtime.',
    );
    assert.equal(formatLogLine('   \r', 'stdout', at), '');
    // Bad input tried: JSON that is not a pino line, and a line that only starts like JSON.
    assert.equal(formatLogLine('{"a":1}', 'stdout', at), '14:03:07.042 INFO  {"a":1}');
    assert.equal(formatLogLine('{not json', 'stdout', at), '14:03:07.042 INFO  {not json');
  });

  it('splits a stream into lines whatever the chunks, and keeps the unfinished rest for flush', () => {
    const lines: string[] = [];
    const split = lineSplitter((line) => lines.push(line));
    split.push('GET / 200');
    split.push(' 3ms\nPOST /x 401 1ms\npartial');
    assert.deepEqual(lines, ['GET / 200 3ms', 'POST /x 401 1ms']);
    split.flush();
    assert.deepEqual(lines, ['GET / 200 3ms', 'POST /x 401 1ms', 'partial']);
  });

  it('opens each run with the date, time and command, and shows only this run in a tail', () => {
    assert.equal(clockTime(at), '14:03:07.042');
    assert.equal(
      runSeparator(at, 'IDP_PORT=18080 npm start'),
      '\n===== 2026-12-07 14:03:07  IDP_PORT=18080 npm start  =====\n',
    );
    const dir = mkdtempSync(join(tmpdir(), 'liverty-log-'));
    try {
      const file = join(dir, 'backend.log');
      writeFileSync(
        file,
        `${runSeparator(at, 'npm start')}old run\n${runSeparator(at, 'npm start')}new 1\nnew 2\n`,
      );
      assert.equal(logTail(file), 'new 1\nnew 2');
      assert.equal(logTail(join(dir, 'missing.log')), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
