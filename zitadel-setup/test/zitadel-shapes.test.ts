import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { type DescMessage, fromJson, type JsonValue } from '@bufbuild/protobuf';
import * as action from '@zitadel/proto/zitadel/action/v2beta/action_service_pb';
import * as admin from '@zitadel/proto/zitadel/admin_pb';
import { GetMyUserResponseSchema } from '@zitadel/proto/zitadel/auth_pb';
import * as management from '@zitadel/proto/zitadel/management_pb';
import { runSetup } from '../src/run-setup';
import { createFixture } from './support/fixture';

// What the setup step and the fake ZITADEL say to each other parses, strictly (an unknown field
// name or enum value is an error), with the messages of ZITADEL's own protos (@zitadel/proto
// 1.3.1; paths from the google.api.http annotations of zitadel/management.proto, admin.proto,
// auth.proto and action/v2beta/action_service.proto). A misspelt or renamed request field would be
// dropped silently by ZITADEL's gateway; a fake answer ZITADEL would not give hides bugs.
// The action API is v2beta in that release; v2 (the paths called) has the same names, plus
// `payloadType` on targets, which is taken out of v2 answers before they are parsed.
interface Route {
  method: string;
  path: RegExp;
  request?: DescMessage;
  answer?: DescMessage;
}

const ROUTES: Route[] = [
  // OpenID Connect discovery: not a proto message.
  { method: 'GET', path: /^\/\.well-known\/openid-configuration$/ },
  { method: 'GET', path: /^\/auth\/v1\/users\/me$/, answer: GetMyUserResponseSchema },
  {
    method: 'GET',
    path: /^\/admin\/v1\/policies\/privacy$/,
    answer: admin.GetPrivacyPolicyResponseSchema,
  },
  {
    method: 'PUT',
    path: /^\/admin\/v1\/policies\/privacy$/,
    request: admin.UpdatePrivacyPolicyRequestSchema,
    answer: admin.UpdatePrivacyPolicyResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/admin\/v1\/members\/_search$/,
    request: admin.ListIAMMembersRequestSchema,
    answer: admin.ListIAMMembersResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/admin\/v1\/members$/,
    request: admin.AddIAMMemberRequestSchema,
    answer: admin.AddIAMMemberResponseSchema,
  },
  {
    method: 'PUT',
    path: /^\/admin\/v1\/members\/\d+$/,
    request: admin.UpdateIAMMemberRequestSchema,
    answer: admin.UpdateIAMMemberResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/management\/v1\/projects\/_search$/,
    request: management.ListProjectsRequestSchema,
    answer: management.ListProjectsResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/management\/v1\/projects$/,
    request: management.AddProjectRequestSchema,
    answer: management.AddProjectResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/management\/v1\/projects\/\d+\/apps\/_search$/,
    request: management.ListAppsRequestSchema,
    answer: management.ListAppsResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/management\/v1\/projects\/\d+\/apps\/oidc$/,
    request: management.AddOIDCAppRequestSchema,
    answer: management.AddOIDCAppResponseSchema,
  },
  {
    method: 'PUT',
    path: /^\/management\/v1\/projects\/\d+\/apps\/\d+\/oidc_config$/,
    request: management.UpdateOIDCAppConfigRequestSchema,
    answer: management.UpdateOIDCAppConfigResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/management\/v1\/projects\/\d+\/apps\/api$/,
    request: management.AddAPIAppRequestSchema,
    answer: management.AddAPIAppResponseSchema,
  },
  {
    method: 'PUT',
    path: /^\/management\/v1\/projects\/\d+\/apps\/\d+\/api_config$/,
    request: management.UpdateAPIAppConfigRequestSchema,
    answer: management.UpdateAPIAppConfigResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/management\/v1\/projects\/\d+\/apps\/\d+\/api_config\/_generate_client_secret$/,
    request: management.RegenerateAPIClientSecretRequestSchema,
    answer: management.RegenerateAPIClientSecretResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/management\/v1\/users\/_search$/,
    request: management.ListUsersRequestSchema,
    answer: management.ListUsersResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/management\/v1\/users\/machine$/,
    request: management.AddMachineUserRequestSchema,
    answer: management.AddMachineUserResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/management\/v1\/users\/\d+\/pats$/,
    request: management.AddPersonalAccessTokenRequestSchema,
    answer: management.AddPersonalAccessTokenResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/v2\/actions\/targets\/search$/,
    request: action.ListTargetsRequestSchema,
    answer: action.ListTargetsResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/v2\/actions\/targets$/,
    request: action.CreateTargetRequestSchema,
    answer: action.CreateTargetResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/v2\/actions\/targets\/\d+$/,
    request: action.UpdateTargetRequestSchema,
    answer: action.UpdateTargetResponseSchema,
  },
  {
    method: 'POST',
    path: /^\/v2\/actions\/executions\/search$/,
    request: action.ListExecutionsRequestSchema,
    answer: action.ListExecutionsResponseSchema,
  },
  {
    method: 'PUT',
    path: /^\/v2\/actions\/executions$/,
    request: action.SetExecutionRequestSchema,
    answer: action.SetExecutionResponseSchema,
  },
];

interface Exchange {
  method: string;
  path: string;
  request: unknown;
  status: number;
  answer: unknown;
}

/** fetch, recording each request body and JSON answer as sent over the wire. */
function recordingFetch(exchanges: Exchange[]): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const text = await response.clone().text();
    exchanges.push({
      method: init?.method ?? 'GET',
      path: new URL(String(input)).pathname,
      request: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      status: response.status,
      answer: text === '' ? undefined : JSON.parse(text),
    });
    return response;
  };
}

/** v2 targets carry `payloadType`, which the v2beta message lacks. */
function withoutPayloadType(answer: unknown): unknown {
  return JSON.parse(JSON.stringify(answer), (key, value) =>
    key === 'payloadType' ? undefined : value,
  );
}

test('every request and answer is a message of ZITADEL’s protos, field names and enum values included', async (t) => {
  const fixture = await createFixture(t);
  const config = fixture.config({ ENSURE_ACTIONS: 'true' });
  const exchanges: Exchange[] = [];
  const fetch = recordingFetch(exchanges);
  await runSetup(config, { log: fixture.log, fetch });
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
  await runSetup(config, { log: fixture.log, fetch });

  const seen = new Set<string>();
  for (const { method, path, request, status, answer } of exchanges) {
    const route = ROUTES.find(
      (candidate) => candidate.method === method && candidate.path.test(path),
    );
    assert.ok(route, `${method} ${path}: no ZITADEL message is known for it`);
    assert.equal(status, 200, `${method} ${path} succeeded`);
    seen.add(`${method} ${route.path.source}`);
    if (route.request) {
      const schema = route.request;
      assert.doesNotThrow(
        () => fromJson(schema, (request ?? {}) as JsonValue),
        `${method} ${path} sent ${JSON.stringify(request)}`,
      );
    } else {
      assert.equal(request, undefined, `${method} ${path} sends no body`);
    }
    if (route.answer) {
      const schema = route.answer;
      assert.doesNotThrow(
        () => fromJson(schema, withoutPayloadType(answer) as JsonValue),
        `${method} ${path} answered ${JSON.stringify(answer)}`,
      );
    }
  }
  // Both runs together make every call listed above, so none is left unchecked.
  assert.deepEqual(
    ROUTES.map(({ method, path }) => `${method} ${path.source}`).filter((key) => !seen.has(key)),
    [],
  );
});

test('a field ZITADEL does not know is refused by the same check (what it would drop silently)', () => {
  // Tried: `interruptOnErrors` for `interruptOnError`, and an enum value spelt without its prefix.
  assert.throws(() =>
    fromJson(action.CreateTargetRequestSchema, {
      name: 'x',
      endpoint: 'http://127.0.0.1:3001/',
      timeout: '2s',
      restCall: { interruptOnErrors: true },
    }),
  );
  assert.throws(() =>
    fromJson(management.AddAPIAppRequestSchema, { name: 'x', authMethodType: 'BASIC' }),
  );
});
