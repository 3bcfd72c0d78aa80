import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the parts of ZITADEL the setup step calls, over real HTTP on a free port. It
 * keeps state (so a second run finds what the first created), records every request, and answers
 * with the response shapes of ZITADEL's REST APIs: management v1 and admin v1 (gRPC-gateway: ids
 * and counts as strings, errors as {"code": <number>, "message": …}) and action v2.
 * Its validation only catches requests the real API would reject for the same reason.
 */

/**
 * A parsed JSON body, read field by field the way ZITADEL's handlers would: a request may carry
 * anything, and the fake answers what the real API answers to it.
 */
// biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON from the client under test
type Json = any;

export interface RecordedRequest {
  method: string;
  path: string;
  body: Json;
}

export interface Failure {
  method: string;
  path: string | RegExp;
  status: number;
  body: unknown;
  times?: number;
}

export type FakeZitadel = Awaited<ReturnType<typeof startFakeZitadel>>;

export async function startFakeZitadel({ token = 'test-pat-do-not-use' }: { token?: string } = {}) {
  let nextId = 336500000000000100n;
  const newId = () => String(nextId++);
  const now = () => new Date().toISOString();
  const details = () => ({
    sequence: '1',
    creationDate: now(),
    changeDate: now(),
    resourceOwner: '336392597046099971',
  });

  const state = {
    projects: [] as Array<Record<string, Json>>,
    apps: [] as Array<Record<string, Json>>,
    targets: [] as Array<Record<string, Json>>,
    executions: [] as Array<{ condition: Json; targets: string[] }>,
    /** Machine users created through the API. */
    users: [] as Array<Record<string, Json>>,
    /** Instance (IAM) members. */
    members: [] as Array<{ userId: string; roles: string[] }>,
    /** Personal access tokens → the machine user they sign in as. */
    pats: new Map<string, string>(),
    privacyPolicy: {
      tosLink: 'https://zitadel.com/docs/legal/terms-of-service',
      privacyLink: 'https://zitadel.com/docs/legal/policies/privacy-policy',
      helpLink: '',
      supportEmail: '',
      docsLink: 'https://zitadel.com/docs',
      customLink: '',
      customLinkText: '',
    } as Record<string, Json>,
  };
  const behavior = {
    /** Answer the discovery document with 503 this many more times. */
    discoveryUnavailable: 0,
    /** Refuse the PAT with 401 this many more times. */
    tokenRefused: 0,
    /** Do not list signing keys of targets (as a version that hides them would). */
    hideSigningKeys: false,
    failures: [] as Failure[],
  };
  const requests: RecordedRequest[] = [];

  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    let body: Json;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return send(response, 400, { code: 3, message: 'invalid JSON body' });
    }
    requests.push({ method, path, body });

    const failure = behavior.failures.find(
      (candidate) =>
        candidate.method === method &&
        (typeof candidate.path === 'string' ? candidate.path === path : candidate.path.test(path)),
    );
    if (failure) {
      if (failure.times !== undefined && --failure.times <= 0) {
        behavior.failures.splice(behavior.failures.indexOf(failure), 1);
      }
      return send(response, failure.status, failure.body);
    }

    if (method === 'GET' && path === '/.well-known/openid-configuration') {
      if (behavior.discoveryUnavailable > 0) {
        behavior.discoveryUnavailable--;
        return send(response, 503, { code: 14, message: 'upstream not ready' });
      }
      const issuer = `http://127.0.0.1:${port()}`;
      return send(response, 200, {
        issuer,
        authorization_endpoint: `${issuer}/oauth/v2/authorize`,
        token_endpoint: `${issuer}/oauth/v2/token`,
        jwks_uri: `${issuer}/oauth/v2/keys`,
        userinfo_endpoint: `${issuer}/oidc/v1/userinfo`,
      });
    }

    // The setup step's IAM_OWNER PAT may do everything; a machine user's PAT only signs in
    // (GET /auth/v1/users/me): enough to tell whether a handed-out PAT still works.
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const patUser = state.pats.get(bearer);
    if (patUser && method === 'GET' && path === '/auth/v1/users/me') {
      const user = state.users.find((candidate) => candidate.id === patUser);
      return send(response, 200, { user: { ...user, details: details() } });
    }
    if (patUser) {
      return send(response, 403, {
        code: 7,
        message: 'No matching permissions found (AUTH-5mWD2)',
      });
    }
    if (bearer !== token) {
      return send(response, 401, { code: 16, message: 'Errors.Token.Invalid (AUTH-7fs1e)' });
    }

    if (method === 'GET' && path === '/auth/v1/users/me') {
      if (behavior.tokenRefused > 0) {
        behavior.tokenRefused--;
        return send(response, 401, { code: 16, message: 'Errors.Token.Invalid (AUTH-7fs1e)' });
      }
      return send(response, 200, {
        user: {
          id: '336392597046755331',
          details: details(),
          state: 'USER_STATE_ACTIVE',
          userName: 'liverty-setup',
          machine: { name: 'liverty-music setup', accessTokenType: 'ACCESS_TOKEN_TYPE_BEARER' },
        },
      });
    }

    // Management API v1: machine users and their PATs (proto/zitadel/management.proto
    // ListUsers, AddMachineUser, AddPersonalAccessToken).
    if (method === 'POST' && path === '/management/v1/users/_search') {
      const userName = body?.queries?.[0]?.userNameQuery?.userName;
      const result = state.users.filter(
        (user) => userName === undefined || user.userName === userName,
      );
      return send(response, 200, { details: { totalResult: String(result.length) }, result });
    }
    if (method === 'POST' && path === '/management/v1/users/machine') {
      if (!body?.userName || !body?.name)
        return send(response, 400, { code: 3, message: 'Errors.User.Invalid (USER-bm3k9)' });
      if (state.users.some((user) => user.userName === body.userName))
        return send(response, 409, { code: 6, message: 'Errors.User.AlreadyExists (V2-Wxt4m)' });
      const user = {
        id: newId(),
        state: 'USER_STATE_ACTIVE',
        userName: body.userName,
        machine: {
          name: body.name,
          description: body.description ?? '',
          accessTokenType: body.accessTokenType ?? 'ACCESS_TOKEN_TYPE_BEARER',
        },
      };
      state.users.push(user);
      return send(response, 200, { userId: user.id, details: details() });
    }
    const patPath = /^\/management\/v1\/users\/(\d+)\/pats$/.exec(path);
    if (method === 'POST' && patPath) {
      if (!state.users.some((user) => user.id === patPath[1]))
        return send(response, 404, { code: 5, message: 'Errors.User.NotFound (COMMAND-5M9sd)' });
      const pat = `pat-${nextId++}`;
      state.pats.set(pat, patPath[1] as string);
      return send(response, 200, { tokenId: newId(), token: pat, details: details() });
    }

    // Admin API v1: instance members (ListIAMMembers, AddIAMMember, UpdateIAMMember).
    if (method === 'POST' && path === '/admin/v1/members/_search') {
      const userId = body?.queries?.[0]?.userIdQuery?.userId;
      const result = state.members.filter(
        (member) => userId === undefined || member.userId === userId,
      );
      return send(response, 200, { details: { totalResult: String(result.length) }, result });
    }
    if (method === 'POST' && path === '/admin/v1/members') {
      if (!body?.userId || !Array.isArray(body.roles) || body.roles.length === 0)
        return send(response, 400, {
          code: 3,
          message: 'Errors.IAM.MemberInvalid (INSTANCE-4m0fS)',
        });
      if (state.members.some((member) => member.userId === body.userId))
        return send(response, 409, { code: 6, message: 'Errors.Instance.Member.AlreadyExists' });
      state.members.push({ userId: body.userId, roles: body.roles });
      return send(response, 200, { details: details() });
    }
    const memberPath = /^\/admin\/v1\/members\/(\d+)$/.exec(path);
    if (method === 'PUT' && memberPath) {
      const member = state.members.find((candidate) => candidate.userId === memberPath[1]);
      if (!member) return send(response, 404, { code: 5, message: 'Errors.IAM.Member.NotFound' });
      member.roles = body?.roles ?? [];
      return send(response, 200, { details: details() });
    }

    // Management API v1: projects and apps.
    if (method === 'POST' && path === '/management/v1/projects/_search') {
      const name = body?.queries?.[0]?.nameQuery?.name;
      const result = state.projects.filter(
        (project) => name === undefined || project.name === name,
      );
      return send(response, 200, { details: { totalResult: String(result.length) }, result });
    }
    if (method === 'POST' && path === '/management/v1/projects') {
      if (!body?.name)
        return send(response, 400, { code: 3, message: 'Errors.Project.Invalid (PROJECT-O8fnx)' });
      const project = {
        id: newId(),
        details: details(),
        name: body.name,
        state: 'PROJECT_STATE_ACTIVE',
        projectRoleAssertion: Boolean(body.projectRoleAssertion),
      };
      state.projects.push(project);
      return send(response, 200, { id: project.id, details: project.details });
    }
    const appsPath = /^\/management\/v1\/projects\/(\d+)\/apps(\/.*)?$/.exec(path);
    if (appsPath) {
      const [, projectId, rest] = appsPath;
      if (!state.projects.some((project) => project.id === projectId)) {
        return send(response, 404, { code: 5, message: 'Errors.Project.NotFound (PROJECT-3M9sd)' });
      }
      if (method === 'POST' && rest === '/_search') {
        const name = body?.queries?.[0]?.nameQuery?.name;
        const result = state.apps
          .filter((app) => app.projectId === projectId && (name === undefined || app.name === name))
          .map(({ projectId: _, secret: __, ...app }) => app);
        return send(response, 200, { details: { totalResult: String(result.length) }, result });
      }
      if (method === 'POST' && rest === '/oidc') {
        const problem = invalidOidcConfig(body, { requireName: true });
        if (problem) return send(response, 400, { code: 3, message: problem });
        const appId = newId();
        const clientId = newId();
        const { name, ...config } = body;
        state.apps.push({
          projectId,
          id: appId,
          details: details(),
          state: 'APP_STATE_ACTIVE',
          name,
          oidcConfig: { ...config, clientId, noneCompliant: false, complianceProblems: [] },
        });
        return send(response, 200, { appId, details: details(), clientId, noneCompliant: false });
      }
      if (method === 'POST' && rest === '/api') {
        if (!body?.name)
          return send(response, 400, {
            code: 3,
            message: 'Errors.Project.App.Invalid (name missing)',
          });
        const appId = newId();
        const clientId = `${newId()}@liverty-music`;
        const clientSecret = `api-secret-${nextId++}`;
        state.apps.push({
          projectId,
          id: appId,
          details: details(),
          state: 'APP_STATE_ACTIVE',
          name: body.name,
          apiConfig: {
            clientId,
            authMethodType: body.authMethodType ?? 'API_AUTH_METHOD_TYPE_BASIC',
          },
          secret: clientSecret,
        });
        return send(response, 200, { appId, details: details(), clientId, clientSecret });
      }
      const apiConfigPath = /^\/(\d+)\/api_config(\/_generate_client_secret)?$/.exec(rest ?? '');
      if (apiConfigPath) {
        const app = state.apps.find((candidate) => candidate.id === apiConfigPath[1]);
        if (!app?.apiConfig)
          return send(response, 404, { code: 5, message: 'Errors.Project.App.NotExisting' });
        if (method === 'PUT' && !apiConfigPath[2]) {
          app.apiConfig = { ...app.apiConfig, authMethodType: body?.authMethodType };
          return send(response, 200, { details: details() });
        }
        if (method === 'POST' && apiConfigPath[2]) {
          app.secret = `api-secret-${nextId++}`;
          return send(response, 200, { clientSecret: app.secret, details: details() });
        }
      }
      const configPath = /^\/(\d+)\/oidc_config$/.exec(rest ?? '');
      if (method === 'PUT' && configPath) {
        const app = state.apps.find((candidate) => candidate.id === configPath[1]);
        if (!app)
          return send(response, 404, { code: 5, message: 'Errors.Project.App.NotExisting' });
        const problem = invalidOidcConfig(body, { requireName: false });
        if (problem) return send(response, 400, { code: 3, message: problem });
        app.oidcConfig = { ...app.oidcConfig, ...body };
        return send(response, 200, { details: details() });
      }
    }

    // Admin API v1: the instance's privacy policy (legal links).
    if (path === '/admin/v1/policies/privacy') {
      if (method === 'GET') {
        return send(response, 200, {
          policy: { details: details(), ...state.privacyPolicy, isDefault: true },
        });
      }
      if (method === 'PUT') {
        state.privacyPolicy = { ...body };
        return send(response, 200, { details: details() });
      }
    }

    // Action API v2: targets and executions.
    if (method === 'POST' && path === '/v2/actions/targets/search') {
      const name = body?.filters?.[0]?.targetNameFilter?.targetName;
      const targets = state.targets
        .filter((target) => name === undefined || target.name === name)
        .map((target) =>
          behavior.hideSigningKeys ? { ...target, signingKey: undefined } : target,
        );
      return send(response, 200, {
        pagination: { totalResult: String(targets.length), appliedLimit: '10' },
        targets,
      });
    }
    if (method === 'POST' && path === '/v2/actions/targets') {
      const types = ['restWebhook', 'restCall', 'restAsync'].filter(
        (type) => body?.[type] !== undefined,
      );
      if (!body?.name || !body?.endpoint || !body?.timeout || types.length !== 1) {
        return send(response, 400, {
          code: 'invalid_argument',
          message: 'invalid CreateTargetRequest',
        });
      }
      const target = {
        id: newId(),
        creationDate: now(),
        changeDate: now(),
        name: body.name,
        [types[0] as string]: body[types[0] as string],
        timeout: body.timeout,
        endpoint: body.endpoint,
        signingKey: `signing-key-${nextId}`,
        payloadType: body.payloadType ?? 'PAYLOAD_TYPE_JSON',
      };
      state.targets.push(target);
      return send(response, 200, {
        id: target.id,
        creationDate: target.creationDate,
        signingKey: target.signingKey,
      });
    }
    const targetPath = /^\/v2\/actions\/targets\/(\d+)$/.exec(path);
    if (method === 'POST' && targetPath) {
      const target = state.targets.find((candidate) => candidate.id === targetPath[1]);
      if (!target)
        return send(response, 404, { code: 'not_found', message: 'Errors.Target.NotFound' });
      const { expirationSigningKey, ...changes } = body ?? {};
      if (changes.restWebhook) {
        delete target.restCall;
        delete target.restAsync;
      }
      Object.assign(target, changes, { changeDate: now() });
      if (expirationSigningKey !== undefined) target.signingKey = `rotated-key-${nextId++}`;
      return send(response, 200, {
        changeDate: target.changeDate,
        ...(expirationSigningKey !== undefined ? { signingKey: target.signingKey } : {}),
      });
    }
    if (method === 'POST' && path === '/v2/actions/executions/search') {
      const wanted = body?.filters?.[0]?.inConditionsFilter?.conditions;
      const keys = Array.isArray(wanted)
        ? new Set(wanted.map((condition) => JSON.stringify(condition)))
        : undefined;
      const executions = state.executions
        .filter((execution) => execution.targets.length > 0)
        .filter((execution) => !keys || keys.has(JSON.stringify(execution.condition)))
        .map((execution) => ({ ...execution, creationDate: now(), changeDate: now() }));
      return send(response, 200, {
        pagination: { totalResult: String(executions.length), appliedLimit: '100' },
        executions,
      });
    }
    if (method === 'PUT' && path === '/v2/actions/executions') {
      if (!isValidCondition(body?.condition) || !Array.isArray(body.targets)) {
        return send(response, 400, {
          code: 'invalid_argument',
          message: 'Errors.Execution.Invalid',
        });
      }
      for (const id of body.targets) {
        if (typeof id !== 'string' || !state.targets.some((target) => target.id === id)) {
          return send(response, 404, {
            code: 'not_found',
            message: `Errors.Target.NotFound (${id})`,
          });
        }
      }
      const key = JSON.stringify(body.condition);
      const existing = state.executions.find(
        (execution) => JSON.stringify(execution.condition) === key,
      );
      if (existing) existing.targets = body.targets;
      else state.executions.push({ condition: body.condition, targets: body.targets });
      return send(response, 200, { setDate: now() });
    }

    return send(response, 404, { code: 5, message: `Not Found: ${method} ${path}` });
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = () => (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port()}`,
    token,
    state,
    behavior,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function invalidOidcConfig(body: Json, { requireName }: { requireName: boolean }) {
  if (requireName && !body?.name) return 'Errors.Project.App.Invalid (name missing)';
  if (!Array.isArray(body?.redirectUris) || body.redirectUris.length === 0) {
    return 'Errors.Project.App.Invalid (redirect URIs missing)';
  }
  if (!body.devMode && body.redirectUris.some((uri: string) => uri.startsWith('http://'))) {
    return 'Errors.Project.App.OIDCConfigInvalid (http redirect URIs need dev mode)';
  }
  if (
    body.authMethodType === 'OIDC_AUTH_METHOD_TYPE_NONE' &&
    !body.grantTypes?.includes('OIDC_GRANT_TYPE_AUTHORIZATION_CODE')
  ) {
    return 'Errors.Project.App.OIDCConfigInvalid (auth method none needs the code flow)';
  }
  return undefined;
}

// What SetExecution accepts (proto zitadel/action/v2/execution.proto Condition): an event, a
// function ZITADEL knows (domain.ActionFunction: preuserinfo, preaccesstoken, presamlresponse) or
// a request by method ("/package.Service/Method"), service or all.
const FUNCTIONS = new Set(['preuserinfo', 'preaccesstoken', 'presamlresponse']);

function isValidCondition(condition: Json) {
  const event = condition?.event;
  if (event) return Boolean(event.group || event.event || event.all);
  if (condition?.function) return FUNCTIONS.has(condition.function.name);
  const request = condition?.request;
  if (request) {
    return (
      (typeof request.method === 'string' && /^\/[\w.]+\/\w+$/.test(request.method)) ||
      typeof request.service === 'string' ||
      request.all === true
    );
  }
  return false;
}
