import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { test } from 'node:test';
import { runSetup } from '../src/run-setup.js';
import { parseEnv } from '../src/runtime-config.js';
import { createFixture, isRead } from './support/fixture.js';

const ACTIONS = { ENSURE_ACTIONS: 'true' };

// Request shapes: proto zitadel/action/v2/action_service.proto (CreateTarget, SetExecution);
// function names as domain.ActionFunction's LocalizationKey (internal/domain/action.go).
test('the first run creates the enricher and signup-policy targets and their executions, and hands the keys to the backend', async (t) => {
  const fixture = await createFixture(t);
  const config = fixture.config(ACTIONS);

  const result = await runSetup(config, { log: fixture.log });

  const targets = fixture.zitadel.state.targets;
  const byName = new Map(targets.map((target) => [target.name, target]));
  assert.deepEqual(
    ['preaccesstoken', 'preuserinfo', 'add-human-user'].map((path) => {
      const target = byName.get(`liverty-music-${path}`);
      return [target?.endpoint, target?.restCall, target?.timeout, target?.restWebhook];
    }),
    [
      [
        'http://127.0.0.1:3001/actions/zitadel/preaccesstoken',
        { interruptOnError: false },
        '2s',
        undefined,
      ],
      [
        'http://127.0.0.1:3001/actions/zitadel/preuserinfo',
        { interruptOnError: false },
        '2s',
        undefined,
      ],
      [
        'http://127.0.0.1:3001/actions/zitadel/add-human-user',
        { interruptOnError: true },
        '2s',
        undefined,
      ],
    ],
  );
  const idOf = (/** @type {string} */ path) => String(byName.get(`liverty-music-${path}`)?.id);
  const executions = new Map(
    fixture.zitadel.state.executions.map((execution) => [
      JSON.stringify(execution.condition),
      execution.targets,
    ]),
  );
  assert.deepEqual(executions.get('{"function":{"name":"preaccesstoken"}}'), [
    idOf('preaccesstoken'),
  ]);
  assert.deepEqual(executions.get('{"function":{"name":"preuserinfo"}}'), [idOf('preuserinfo')]);
  assert.deepEqual(
    executions.get('{"request":{"method":"/zitadel.user.v2.UserService/AddHumanUser"}}'),
    [idOf('add-human-user')],
  );
  // The webhook's event executions are untouched by this.
  assert.deepEqual(executions.get('{"event":{"group":"user.human"}}'), [result.targetId]);

  const env = parseEnv(await readFile(config.backendEnvFile, 'utf8'));
  const actionTargets = ['preaccesstoken', 'preuserinfo', 'add-human-user'].map((path) =>
    byName.get(`liverty-music-${path}`),
  );
  assert.equal(
    env.ZITADEL_ACTIONS_SIGNING_KEYS,
    actionTargets.map((target) => target?.signingKey).join(','),
  );
  assert.equal(env.ZITADEL_ACTIONS_TARGET_IDS, actionTargets.map((target) => target?.id).join(','));
  assert.equal(env.ZITADEL_ACTIONS_CLIENT_IDS, result.clientId);
  assert.deepEqual(
    result.actionTargetIds,
    actionTargets.map((target) => target?.id),
  );

  const log = fixture.logs.join('\n');
  for (const target of actionTargets)
    assert.doesNotMatch(log, new RegExp(String(target?.signingKey)));
});

test('a second run only reads; a lost env file rotates the unknown keys, and then reads again', async (t) => {
  const fixture = await createFixture(t);
  const config = fixture.config(ACTIONS);
  await runSetup(config, { log: fixture.log });

  const second = fixture.zitadel.requests.length;
  await runSetup(config, { log: fixture.log });
  assert.deepEqual(
    fixture.zitadel.requests.slice(second).filter((r) => !isRead(r)),
    [],
  );

  await rm(config.backendEnvFile);
  fixture.zitadel.behavior.hideSigningKeys = true;
  const third = fixture.zitadel.requests.length;
  await runSetup(config, { log: fixture.log });
  const writes = fixture.zitadel.requests.slice(third).filter((request) => !isRead(request));
  const rotations = writes.filter((request) => request.body?.expirationSigningKey === '0s');
  assert.equal(rotations.length, 4, 'the webhook target and the three action targets are rotated');
  // The other secrets that lived only in the lost file are renewed too: the API app's client
  // secret and the reconciler's personal access token (ensure-api-app.js, ensure-reconciler-user.js).
  assert.deepEqual(
    writes
      .filter((request) => !rotations.includes(request))
      .map((request) => request.path.replace(/\/\d+/g, '/{id}'))
      .sort(),
    [
      '/management/v1/projects/{id}/apps/{id}/api_config/_generate_client_secret',
      '/management/v1/users/{id}/pats',
    ],
  );
  const env = parseEnv(await readFile(config.backendEnvFile, 'utf8'));
  assert.match(
    String(env.ZITADEL_ACTIONS_SIGNING_KEYS),
    /^rotated-key-\d+,rotated-key-\d+,rotated-key-\d+$/,
  );

  const fourth = fixture.zitadel.requests.length;
  await runSetup(config, { log: fixture.log });
  assert.ok(fixture.zitadel.requests.slice(fourth).every(isRead));
});

test('a drifted action target is corrected: a policy target that would not interrupt, an old endpoint', async (t) => {
  const fixture = await createFixture(t);
  const config = fixture.config(ACTIONS);
  await runSetup(config, { log: fixture.log });
  const policy = fixture.zitadel.state.targets.find(
    (target) => target.name === 'liverty-music-add-human-user',
  );
  assert.ok(policy);
  // Someone set it to fail open, which would turn every refusal into a log line.
  policy.restCall = { interruptOnError: false };
  policy.endpoint = 'http://old.example/add-human-user';

  await runSetup(config, { log: fixture.log });

  assert.deepEqual(policy.restCall, { interruptOnError: true });
  assert.equal(policy.endpoint, 'http://127.0.0.1:3001/actions/zitadel/add-human-user');
  assert.ok(
    fixture.logs.some((line) => /action target "liverty-music-add-human-user": updated/.test(line)),
  );
});

test('ENSURE_ACTIONS=false creates none of them and writes no action keys', async (t) => {
  const fixture = await createFixture(t);
  const config = fixture.config({ ENSURE_ACTIONS: 'false' });
  await runSetup(config, { log: fixture.log });
  assert.equal(fixture.zitadel.state.targets.length, 1);
  const env = parseEnv(await readFile(config.backendEnvFile, 'utf8'));
  assert.equal(env.ZITADEL_ACTIONS_SIGNING_KEYS, undefined);
});
