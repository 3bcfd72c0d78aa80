// The commands npm start prints for a person to copy: the same start again (with --reset), and
// the fix for options npm kept for itself because they came without `--`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMisplacedOptions, misplacedNpmOptions, startCommand } from '../start-commands';
import { formatPartStopped } from '../start-messages';
import { parseStartOptions } from '../start-options';

describe('start over on the same ports', () => {
  it('repeats ports as they were given: environment as environment, flags as flags', () => {
    const options = parseStartOptions(['--web-port', '5200', '--data-dir', '/tmp/my data'], {
      IDP_PORT: '18080',
      API_PORT: '3000',
    });
    assert.equal(
      startCommand(options, { reset: true }),
      "IDP_PORT=18080 npm start -- --reset --web-port 5200 --data-dir '/tmp/my data'",
    );
    // The default ports need nothing; without --reset, no `--` either.
    assert.equal(startCommand(parseStartOptions([], {})), 'npm start');
    assert.equal(startCommand(parseStartOptions([], {}), { reset: true }), 'npm start -- --reset');
  });
});

describe('options npm kept (typed without --)', () => {
  it('finds them in npm_config_* and gives the command that passes them through', () => {
    assert.equal(misplacedNpmOptions({}, []), undefined);
    assert.deepEqual(misplacedNpmOptions({ npm_config_idp_port: '18080' }, []), {
      flags: ['--idp-port=18080'],
      command: 'npm start -- --idp-port=18080',
    });
    // `npm start --api-port 3100 --reset`: npm reads "true" for the port, and 3100 arrives alone.
    assert.deepEqual(
      misplacedNpmOptions({ npm_config_api_port: 'true', npm_config_reset: 'true' }, ['3100']),
      { flags: ['--api-port=3100', '--reset'], command: 'npm start -- --api-port=3100 --reset' },
    );
    // Bad input tried: a data folder with a space keeps its quotes in the command.
    const spaced = misplacedNpmOptions({ npm_config_data_dir: '/tmp/my data' }, [
      '--web-port',
      '1',
    ]);
    assert.equal(spaced?.command, "npm start -- '--data-dir=/tmp/my data' --web-port 1");
    const text = formatMisplacedOptions(spaced ?? { flags: [], command: '' });
    assert.match(text, /kept it as its own setting/);
    assert.match(text, /Nothing was started\./);
  });
});

describe('a part that stopped', () => {
  it('names the part, how it ended (a 128+n exit as its signal) and its log with its last lines', () => {
    const text = formatPartStopped(
      {
        name: 'backend',
        logFile: '/repo/.data/logs/backend.log',
        code: 137,
        signal: null,
        tail: '11:00:00.000 INFO  backend listening',
      },
      '/repo',
    );
    assert.equal(
      text,
      [
        'npm start: the API (backend) stopped on its own (exit code 137: killed by SIGKILL).',
        'Its log is .data/logs/backend.log; its last lines:',
        '  | 11:00:00.000 INFO  backend listening',
      ].join('\n'),
    );
    assert.match(
      formatPartStopped(
        { name: 'frontend', logFile: '/x/f.log', code: 1, signal: null, tail: '' },
        '/repo',
      ),
      /the app \(frontend, Vite\) stopped on its own \(exit code 1\)\.\nIts log is \/x\/f\.log; its last lines:\n {2}\| \(the log is empty\)/,
    );
  });
});
