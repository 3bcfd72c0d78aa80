import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { HUMAN_CREATING_METHODS } from '../src/ensure-action-targets';
import { runSetup } from '../src/run-setup';
import { parseEnv } from '../src/runtime-config';
import { createFixture, isRead } from './support/fixture';

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
  const idOf = (path: string) => String(byName.get(`liverty-music-${path}`)?.id);
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
  // One request execution per method that creates a human, each calling the policy target.
  for (const method of HUMAN_CREATING_METHODS) {
    assert.deepEqual(executions.get(JSON.stringify({ request: { method } })), [
      idOf('add-human-user'),
    ]);
  }
  assert.ok(HUMAN_CREATING_METHODS.includes('/zitadel.user.v2.UserService/CreateUser'));
  // The webhook's event executions are untouched by this.
  assert.deepEqual(executions.get('{"event":{"group":"user.human"}}'), [result.targetId]);

  const env = parseEnv(await readFile(config.backendEnvFile, 'utf8'));
  const actionTargets = ['preaccesstoken', 'preuserinfo', 'add-human-user'].map((path) =>
    byName.get(`liverty-music-${path}`),
  );
  // Each target's key under its own name: the backend verifies a target only with its own.
  assert.deepEqual(
    [
      env.ZITADEL_ACTIONS_PREACCESSTOKEN_SIGNING_KEYS,
      env.ZITADEL_ACTIONS_PREUSERINFO_SIGNING_KEYS,
      env.ZITADEL_ACTIONS_ADD_HUMAN_USER_SIGNING_KEYS,
    ],
    actionTargets.map((target) => target?.signingKey),
  );
  assert.equal(new Set(actionTargets.map((target) => target?.signingKey)).size, 3);
  assert.equal(env.ZITADEL_ACTIONS_SIGNING_KEYS, undefined);
  assert.deepEqual(
    [
      env.ZITADEL_ACTIONS_PREACCESSTOKEN_TARGET_ID,
      env.ZITADEL_ACTIONS_PREUSERINFO_TARGET_ID,
      env.ZITADEL_ACTIONS_ADD_HUMAN_USER_TARGET_ID,
    ],
    actionTargets.map((target) => target?.id),
  );
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
  // secret and the reconciler's personal access token (ensure-api-app.ts, ensure-reconciler-user.ts).
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
  for (const name of ['PREACCESSTOKEN', 'PREUSERINFO', 'ADD_HUMAN_USER']) {
    assert.match(String(env[`ZITADEL_ACTIONS_${name}_SIGNING_KEYS`]), /^rotated-key-\d+$/);
  }

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
  assert.equal(env.ZITADEL_ACTIONS_PREACCESSTOKEN_SIGNING_KEYS, undefined);
  assert.equal(env.ZITADEL_ACTIONS_ADD_HUMAN_USER_SIGNING_KEYS, undefined);
});

test('a file from before per-target keys is read by position: the next run keeps the targets and keys', async (t) => {
  const fixture = await createFixture(t);
  const config = fixture.config(ACTIONS);
  await runSetup(config, { log: fixture.log });
  const env = parseEnv(await readFile(config.backendEnvFile, 'utf8'));
  const names = ['PREACCESSTOKEN', 'PREUSERINFO', 'ADD_HUMAN_USER'];
  // What the previous version wrote: two comma lists in target order.
  const old = Object.entries(env).filter(([name]) => !/^ZITADEL_ACTIONS_(?!CLIENT_IDS)/.test(name));
  old.push(
    [
      'ZITADEL_ACTIONS_SIGNING_KEYS',
      names.map((n) => env[`ZITADEL_ACTIONS_${n}_SIGNING_KEYS`]).join(','),
    ],
    [
      'ZITADEL_ACTIONS_TARGET_IDS',
      names.map((n) => env[`ZITADEL_ACTIONS_${n}_TARGET_ID`]).join(','),
    ],
  );
  await writeFile(
    config.backendEnvFile,
    `${old.map(([name, value]) => `${name}='${value}'`).join('\n')}\n`,
  );
  fixture.zitadel.behavior.hideSigningKeys = true;
  const before = fixture.zitadel.requests.length;
  await runSetup(config, { log: fixture.log });
  assert.ok(fixture.zitadel.requests.slice(before).every(isRead), 'nothing rotated or recreated');
  const migrated = parseEnv(await readFile(config.backendEnvFile, 'utf8'));
  for (const name of names) {
    assert.equal(
      migrated[`ZITADEL_ACTIONS_${name}_SIGNING_KEYS`],
      env[`ZITADEL_ACTIONS_${name}_SIGNING_KEYS`],
    );
  }
  assert.equal(migrated.ZITADEL_ACTIONS_SIGNING_KEYS, undefined);
});

test('the signup policy methods are the backend table of methods that create a human', async () => {
  const table = await readFile(
    new URL('../../backend/src/actions/human-creating-methods.ts', import.meta.url),
    'utf8',
  );
  const backend = [...table.matchAll(/^ {2}'(\/zitadel\.[^']+)': \{$/gm)].map((m) => m[1]);
  assert.ok(backend.length > 0);
  assert.deepEqual([...HUMAN_CREATING_METHODS].sort(), backend.sort());
});
