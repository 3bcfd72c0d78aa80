import { type Answer, answer, type FakeState, type Json } from './fake-zitadel-state';

/**
 * The fake's management and admin APIs v1 (gRPC-gateway shapes: ids and counts as strings, errors
 * as {"code": <number>, "message": …}): machine users and PATs, instance members, projects and
 * their apps, the privacy policy. Undefined when the route is not one of theirs.
 */
export function managementAndAdminV1(
  fake: FakeState,
  method: string,
  path: string,
  body: Json,
): Answer | undefined {
  // Management API v1: machine users and their PATs (proto/zitadel/management.proto
  // ListUsers, AddMachineUser, AddPersonalAccessToken).
  if (method === 'POST' && path === '/management/v1/users/_search') {
    const userName = body?.queries?.[0]?.userNameQuery?.userName;
    const result = fake.state.users.filter(
      (user) => userName === undefined || user.userName === userName,
    );
    return answer(200, { details: { totalResult: String(result.length) }, result });
  }
  if (method === 'POST' && path === '/management/v1/users/machine') {
    if (!body?.userName || !body?.name)
      return answer(400, { code: 3, message: 'Errors.User.Invalid (USER-bm3k9)' });
    if (fake.state.users.some((user) => user.userName === body.userName))
      return answer(409, { code: 6, message: 'Errors.User.AlreadyExists (V2-Wxt4m)' });
    const user = {
      id: fake.newId(),
      state: 'USER_STATE_ACTIVE',
      userName: body.userName,
      machine: {
        name: body.name,
        description: body.description ?? '',
        accessTokenType: body.accessTokenType ?? 'ACCESS_TOKEN_TYPE_BEARER',
      },
    };
    fake.state.users.push(user);
    return answer(200, { userId: user.id, details: fake.details() });
  }
  const patPath = /^\/management\/v1\/users\/(\d+)\/pats$/.exec(path);
  if (method === 'POST' && patPath) {
    if (!fake.state.users.some((user) => user.id === patPath[1]))
      return answer(404, { code: 5, message: 'Errors.User.NotFound (COMMAND-5M9sd)' });
    const pat = `pat-${fake.ids.next++}`;
    fake.state.pats.set(pat, patPath[1] as string);
    return answer(200, { tokenId: fake.newId(), token: pat, details: fake.details() });
  }

  // Admin API v1: instance members (ListIAMMembers, AddIAMMember, UpdateIAMMember).
  if (method === 'POST' && path === '/admin/v1/members/_search') {
    const userId = body?.queries?.[0]?.userIdQuery?.userId;
    const result = fake.state.members.filter(
      (member) => userId === undefined || member.userId === userId,
    );
    return answer(200, { details: { totalResult: String(result.length) }, result });
  }
  if (method === 'POST' && path === '/admin/v1/members') {
    if (!body?.userId || !Array.isArray(body.roles) || body.roles.length === 0)
      return answer(400, {
        code: 3,
        message: 'Errors.IAM.MemberInvalid (INSTANCE-4m0fS)',
      });
    if (fake.state.members.some((member) => member.userId === body.userId))
      return answer(409, { code: 6, message: 'Errors.Instance.Member.AlreadyExists' });
    fake.state.members.push({ userId: body.userId, roles: body.roles });
    return answer(200, { details: fake.details() });
  }
  const memberPath = /^\/admin\/v1\/members\/(\d+)$/.exec(path);
  if (method === 'PUT' && memberPath) {
    const member = fake.state.members.find((candidate) => candidate.userId === memberPath[1]);
    if (!member) return answer(404, { code: 5, message: 'Errors.IAM.Member.NotFound' });
    member.roles = body?.roles ?? [];
    return answer(200, { details: fake.details() });
  }

  // Management API v1: projects and apps.
  if (method === 'POST' && path === '/management/v1/projects/_search') {
    const name = body?.queries?.[0]?.nameQuery?.name;
    const result = fake.state.projects.filter(
      (project) => name === undefined || project.name === name,
    );
    return answer(200, { details: { totalResult: String(result.length) }, result });
  }
  if (method === 'POST' && path === '/management/v1/projects') {
    if (!body?.name)
      return answer(400, { code: 3, message: 'Errors.Project.Invalid (PROJECT-O8fnx)' });
    const project = {
      id: fake.newId(),
      details: fake.details(),
      name: body.name,
      state: 'PROJECT_STATE_ACTIVE',
      projectRoleAssertion: Boolean(body.projectRoleAssertion),
    };
    fake.state.projects.push(project);
    return answer(200, { id: project.id, details: project.details });
  }
  const appsPath = /^\/management\/v1\/projects\/(\d+)\/apps(\/.*)?$/.exec(path);
  if (appsPath) {
    const [, projectId, rest] = appsPath;
    if (!fake.state.projects.some((project) => project.id === projectId)) {
      return answer(404, { code: 5, message: 'Errors.Project.NotFound (PROJECT-3M9sd)' });
    }
    if (method === 'POST' && rest === '/_search') {
      const name = body?.queries?.[0]?.nameQuery?.name;
      const result = fake.state.apps
        .filter((app) => app.projectId === projectId && (name === undefined || app.name === name))
        .map(({ projectId: _, secret: __, ...app }) => app);
      return answer(200, { details: { totalResult: String(result.length) }, result });
    }
    if (method === 'POST' && rest === '/oidc') {
      const problem = invalidOidcConfig(body, { requireName: true });
      if (problem) return answer(400, { code: 3, message: problem });
      const appId = fake.newId();
      const clientId = fake.newId();
      const { name, ...config } = body;
      fake.state.apps.push({
        projectId,
        id: appId,
        details: fake.details(),
        state: 'APP_STATE_ACTIVE',
        name,
        oidcConfig: { ...config, clientId, noneCompliant: false, complianceProblems: [] },
      });
      return answer(200, { appId, details: fake.details(), clientId, noneCompliant: false });
    }
    if (method === 'POST' && rest === '/api') {
      if (!body?.name)
        return answer(400, {
          code: 3,
          message: 'Errors.Project.App.Invalid (name missing)',
        });
      const appId = fake.newId();
      const clientId = `${fake.newId()}@liverty-music`;
      const clientSecret = `api-secret-${fake.ids.next++}`;
      fake.state.apps.push({
        projectId,
        id: appId,
        details: fake.details(),
        state: 'APP_STATE_ACTIVE',
        name: body.name,
        apiConfig: {
          clientId,
          authMethodType: body.authMethodType ?? 'API_AUTH_METHOD_TYPE_BASIC',
        },
        secret: clientSecret,
      });
      return answer(200, { appId, details: fake.details(), clientId, clientSecret });
    }
    const apiConfigPath = /^\/(\d+)\/api_config(\/_generate_client_secret)?$/.exec(rest ?? '');
    if (apiConfigPath) {
      const app = fake.state.apps.find((candidate) => candidate.id === apiConfigPath[1]);
      if (!app?.apiConfig)
        return answer(404, { code: 5, message: 'Errors.Project.App.NotExisting' });
      if (method === 'PUT' && !apiConfigPath[2]) {
        app.apiConfig = { ...app.apiConfig, authMethodType: body?.authMethodType };
        return answer(200, { details: fake.details() });
      }
      if (method === 'POST' && apiConfigPath[2]) {
        app.secret = `api-secret-${fake.ids.next++}`;
        return answer(200, { clientSecret: app.secret, details: fake.details() });
      }
    }
    const configPath = /^\/(\d+)\/oidc_config$/.exec(rest ?? '');
    if (method === 'PUT' && configPath) {
      const app = fake.state.apps.find((candidate) => candidate.id === configPath[1]);
      if (!app) return answer(404, { code: 5, message: 'Errors.Project.App.NotExisting' });
      const problem = invalidOidcConfig(body, { requireName: false });
      if (problem) return answer(400, { code: 3, message: problem });
      app.oidcConfig = { ...app.oidcConfig, ...body };
      return answer(200, { details: fake.details() });
    }
  }

  // Admin API v1: the instance's privacy policy (legal links).
  if (path === '/admin/v1/policies/privacy') {
    if (method === 'GET') {
      return answer(200, {
        policy: { details: fake.details(), ...fake.state.privacyPolicy, isDefault: true },
      });
    }
    if (method === 'PUT') {
      fake.state.privacyPolicy = { ...body };
      return answer(200, { details: fake.details() });
    }
  }
  return undefined;
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
