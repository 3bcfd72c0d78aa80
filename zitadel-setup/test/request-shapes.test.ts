import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { type DescMessage, fromJson, type JsonValue } from '@bufbuild/protobuf';
import {
  CreateTargetRequestSchema,
  ListExecutionsRequestSchema,
  ListTargetsRequestSchema,
  SetExecutionRequestSchema,
  UpdateTargetRequestSchema,
} from '@zitadel/proto/zitadel/action/v2beta/action_service_pb';
import {
  AddIAMMemberRequestSchema,
  ListIAMMembersRequestSchema,
  UpdateIAMMemberRequestSchema,
  UpdatePrivacyPolicyRequestSchema,
} from '@zitadel/proto/zitadel/admin_pb';
import {
  AddAPIAppRequestSchema,
  AddMachineUserRequestSchema,
  AddOIDCAppRequestSchema,
  AddPersonalAccessTokenRequestSchema,
  AddProjectRequestSchema,
  ListAppsRequestSchema,
  ListProjectsRequestSchema,
  ListUsersRequestSchema,
  RegenerateAPIClientSecretRequestSchema,
  UpdateAPIAppConfigRequestSchema,
  UpdateOIDCAppConfigRequestSchema,
} from '@zitadel/proto/zitadel/management_pb';
import { runSetup } from '../src/run-setup';
import { createFixture } from './support/fixture';

// Every body the setup step sends parses, strictly (an unknown field name is an error), with the
// request message of ZITADEL's own protos (@zitadel/proto 1.3.1; google.api.http annotations of
// zitadel/management.proto, zitadel/admin.proto, zitadel/action/v2beta/action_service.proto for
// the paths). The action API is v2beta in that release; v2 (the paths called) has the same names.
// A misspelt or renamed field would be dropped silently by ZITADEL's gateway, so it fails here.
const ROUTES: Array<{ method: string; path: RegExp; schema?: DescMessage }> = [
  { method: 'GET', path: /^\/\.well-known\/openid-configuration$/ },
  { method: 'GET', path: /^\/auth\/v1\/users\/me$/ },
  { method: 'GET', path: /^\/admin\/v1\/policies\/privacy$/ },
  {
    method: 'PUT',
    path: /^\/admin\/v1\/policies\/privacy$/,
    schema: UpdatePrivacyPolicyRequestSchema,
  },
  { method: 'POST', path: /^\/admin\/v1\/members\/_search$/, schema: ListIAMMembersRequestSchema },
  { method: 'POST', path: /^\/admin\/v1\/members$/, schema: AddIAMMemberRequestSchema },
  { method: 'PUT', path: /^\/admin\/v1\/members\/\d+$/, schema: UpdateIAMMemberRequestSchema },
  {
    method: 'POST',
    path: /^\/management\/v1\/projects\/_search$/,
    schema: ListProjectsRequestSchema,
  },
  { method: 'POST', path: /^\/management\/v1\/projects$/, schema: AddProjectRequestSchema },
  {
    method: 'POST',
    path: /^\/management\/v1\/projects\/\d+\/apps\/_search$/,
    schema: ListAppsRequestSchema,
  },
  {
    method: 'POST',
    path: /^\/management\/v1\/projects\/\d+\/apps\/oidc$/,
    schema: AddOIDCAppRequestSchema,
  },
  {
    method: 'PUT',
    path: /^\/management\/v1\/projects\/\d+\/apps\/\d+\/oidc_config$/,
    schema: UpdateOIDCAppConfigRequestSchema,
  },
  {
    method: 'POST',
    path: /^\/management\/v1\/projects\/\d+\/apps\/api$/,
    schema: AddAPIAppRequestSchema,
  },
  {
    method: 'PUT',
    path: /^\/management\/v1\/projects\/\d+\/apps\/\d+\/api_config$/,
    schema: UpdateAPIAppConfigRequestSchema,
  },
  {
    method: 'POST',
    path: /^\/management\/v1\/projects\/\d+\/apps\/\d+\/api_config\/_generate_client_secret$/,
    schema: RegenerateAPIClientSecretRequestSchema,
  },
  { method: 'POST', path: /^\/management\/v1\/users\/_search$/, schema: ListUsersRequestSchema },
  {
    method: 'POST',
    path: /^\/management\/v1\/users\/machine$/,
    schema: AddMachineUserRequestSchema,
  },
  {
    method: 'POST',
    path: /^\/management\/v1\/users\/\d+\/pats$/,
    schema: AddPersonalAccessTokenRequestSchema,
  },
  { method: 'POST', path: /^\/v2\/actions\/targets\/search$/, schema: ListTargetsRequestSchema },
  { method: 'POST', path: /^\/v2\/actions\/targets$/, schema: CreateTargetRequestSchema },
  { method: 'POST', path: /^\/v2\/actions\/targets\/\d+$/, schema: UpdateTargetRequestSchema },
  {
    method: 'POST',
    path: /^\/v2\/actions\/executions\/search$/,
    schema: ListExecutionsRequestSchema,
  },
  { method: 'PUT', path: /^\/v2\/actions\/executions$/, schema: SetExecutionRequestSchema },
];

test('every request body is a message of ZITADEL’s protos, field names and enum values included', async (t) => {
  const fixture = await createFixture(t);
  const config = fixture.config({ ENSURE_ACTIONS: 'true' });
  await runSetup(config, { log: fixture.log });
  // A second run that has to change things: drifted OIDC and API apps, a missing legal link, a
  // broader role, and lost secrets (so the client secret, the PAT and every signing key are
  // issued again).
  const { state } = fixture.zitadel;
  for (const app of state.apps) {
    if (app.oidcConfig) app.oidcConfig.redirectUris = ['http://localhost:9999/old'];
    if (app.apiConfig) app.apiConfig.authMethodType = 'API_AUTH_METHOD_TYPE_PRIVATE_KEY_JWT';
  }
  state.privacyPolicy.tosLink = '';
  for (const member of state.members) member.roles = ['IAM_OWNER'];
  await rm(config.backendEnvFile);
  fixture.zitadel.behavior.hideSigningKeys = true;
  await runSetup(config, { log: fixture.log });

  const sent = new Set<string>();
  for (const { method, path, body } of fixture.zitadel.requests) {
    const route = ROUTES.find(
      (candidate) => candidate.method === method && candidate.path.test(path),
    );
    assert.ok(route, `${method} ${path}: no ZITADEL request message is known for it`);
    sent.add(`${method} ${route.path.source}`);
    if (!route.schema) {
      assert.equal(body, undefined, `${method} ${path} sends no body`);
      continue;
    }
    assert.doesNotThrow(
      () => fromJson(route.schema as DescMessage, (body ?? {}) as JsonValue),
      `${method} ${path}: ${JSON.stringify(body)}`,
    );
  }
  // Both runs together send every kind of request listed above, so none is left unchecked.
  assert.deepEqual(
    ROUTES.map(({ method, path }) => `${method} ${path.source}`).filter(
      (route) => !sent.has(route),
    ),
    [],
  );
});

test('a field ZITADEL does not know is refused by the same check (what it would drop silently)', () => {
  // Tried: `interruptOnErrors` for `interruptOnError`, and an enum value spelt without its prefix.
  assert.throws(() =>
    fromJson(CreateTargetRequestSchema, {
      name: 'x',
      endpoint: 'http://127.0.0.1:3001/',
      timeout: '2s',
      restCall: { interruptOnErrors: true },
    }),
  );
  assert.throws(() => fromJson(AddAPIAppRequestSchema, { name: 'x', authMethodType: 'BASIC' }));
});
