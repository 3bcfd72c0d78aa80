/**
 * A stand-in for the parts of ZITADEL the setup step calls, over real HTTP on a free port. It
 * keeps state (so a second run finds what the first created), records every request, and answers
 * with the response shapes of ZITADEL's REST APIs: management v1 and admin v1 (gRPC-gateway: ids
 * and counts as strings, errors as {"code": <number>, "message": …}) and action v2.
 * Its validation only catches requests the real API would reject for the same reason.
 */
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { actionV2 } from './fake-action-api';
import { managementAndAdminV1 } from './fake-management-api';
import { createFakeState, type Json, type RecordedRequest } from './fake-zitadel-state';

export type { Failure, RecordedRequest } from './fake-zitadel-state';

export type FakeZitadel = Awaited<ReturnType<typeof startFakeZitadel>>;

export async function startFakeZitadel({ token = 'test-pat-do-not-use' }: { token?: string } = {}) {
  const fake = createFakeState();
  const { state, behavior, details } = fake;
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
    const answered =
      managementAndAdminV1(fake, method, path, body) ?? actionV2(fake, method, path, body);
    if (answered) return send(response, answered.status, answered.body);

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
