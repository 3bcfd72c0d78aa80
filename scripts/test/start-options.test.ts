import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineMinimum, judgeNodeVersion } from '../node-version';
import { formatPortsTaken, formatSummary, redactUrl } from '../start-messages';
import { PORT_SETTINGS, parseStartOptions, UsageError } from '../start-options';

const setting = (service: 'idp' | 'api' | 'web') => {
  const found = PORT_SETTINGS.find((candidate) => candidate.service === service);
  if (!found) throw new Error(service);
  return found;
};

describe('npm start options', () => {
  it("keeps today's ports by default", () => {
    const options = parseStartOptions([], {});
    assert.deepEqual(options.ports, { idp: 8080, api: 3000, web: 5173 });
    assert.equal(options.reset, false);
  });

  it('takes ports from the environment, and flags over the environment', () => {
    const options = parseStartOptions(['--api-port', '3100', '--web-port=5200', '--reset'], {
      IDP_PORT: '8181',
      API_PORT: '3001',
    });
    assert.deepEqual(options.ports, { idp: 8181, api: 3100, web: 5200 });
    assert.deepEqual(options.portSources, { idp: 'env', api: 'flag', web: 'flag' });
    assert.equal(options.reset, true);
  });

  it('refuses bad input with a usage error that names it', () => {
    // Bad input tried: not a number, out of range, a missing value, an unknown flag, a shared port.
    for (const [argv, env, message] of [
      [[], { IDP_PORT: 'eighty' }, /IDP_PORT must be a port number/],
      [['--web-port', '70000'], {}, /--web-port must be a port number/],
      [['--api-port'], {}, /--api-port needs a value/],
      [['--port', '1'], {}, /unknown option --port/],
      [[], { IDP_PORT: '3000' }, /cannot share port 3000/],
    ] as const) {
      assert.throws(
        () => parseStartOptions(argv, env),
        (error: Error) => {
          assert.ok(error instanceof UsageError);
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });
});

describe('npm start messages', () => {
  it('names the taken port and gives the exact command, repeating the other choices', () => {
    const options = parseStartOptions(['--web-port', '5200', '--data-dir', '/tmp/my data'], {});
    const text = formatPortsTaken(
      [{ setting: setting('idp'), port: 8080, suggestion: 8081 }],
      options,
    );
    assert.match(
      text,
      /^npm start: port 8080 \(local identity provider\) is already in use on 127\.0\.0\.1\./,
    );
    assert.match(
      text,
      /\n {2}IDP_PORT=8081 WEB_PORT=5200 npm start -- --data-dir '\/tmp\/my data'\n/,
    );
    assert.match(text, /npm start -- --idp-port 8081 --web-port 5200 --data-dir '\/tmp\/my data'/);
    assert.match(text, /Nothing was started\./);
  });

  it('lists every taken port in one command', () => {
    const options = parseStartOptions([], {});
    const text = formatPortsTaken(
      [
        { setting: setting('idp'), port: 8080, suggestion: 8081 },
        { setting: setting('api'), port: 3000, suggestion: 3001 },
      ],
      options,
    );
    assert.match(text, /ports 8080 \(local identity provider\) and 3000 \(API\) are already/);
    assert.match(text, /\n {2}IDP_PORT=8081 API_PORT=3001 npm start\n/);
  });

  it('never shows a database password', () => {
    assert.equal(
      redactUrl('postgres://app:s3cret@db.example:5432/liverty'),
      'postgres://app:***@db.example:5432/liverty',
    );
    const text = formatSummary({
      appUrl: 'http://127.0.0.1:5173',
      idpUrl: 'http://127.0.0.1:8080',
      apiUrl: 'http://127.0.0.1:3000',
      dataDir: '/repo/.data',
      databaseUrl: 'postgres://app:s3cret@localhost/liverty',
      accounts: 2,
      options: parseStartOptions([], {}),
      cwd: '/repo',
    });
    assert.doesNotMatch(text, /s3cret/);
    assert.match(
      text,
      /Database +Postgres at postgres:\/\/app:\*\*\*@localhost\/liverty \(DATABASE_URL\)/,
    );
    assert.match(text, /2 accounts from earlier runs/);
    assert.match(
      text,
      /Start over +npm start -- --reset {2}\(deletes \.data\/: accounts, keys and logs; not the Postgres database\)/,
    );
  });
});

describe('the Node.js version', () => {
  it('refuses a Node.js older than engines, and says what to install', () => {
    const verdict = judgeNodeVersion('18.20.4', engineMinimum('>=20.19'), '22');
    assert.equal(verdict.ok, false);
    assert.match(
      !verdict.ok ? verdict.message : '',
      /needs Node\.js 20\.19 or newer .* this is v18\.20\.4/,
    );
  });

  it('runs on Node.js 20 and says once why oidc-provider warns there', () => {
    const verdict = judgeNodeVersion('20.20.2', '20.19', '22');
    assert.ok(verdict.ok);
    assert.match(verdict.notice ?? '', /oidc-provider 9 is built for Node\.js 22 LTS/);
    assert.deepEqual(judgeNodeVersion('22.12.0', '20.19', '22'), { ok: true });
    assert.equal(judgeNodeVersion('20.18.9', '20.19', '22').ok, false);
  });
});
