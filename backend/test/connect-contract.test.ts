import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { UserService } from '@liverty-music/gen/user/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_LIMIT_DEFAULTS } from '../src/config';
import { listenHttp1AndH2c } from '../src/http/listen-http1-and-h2c';
import { BINARY_PARSE_PREFIX } from '../src/http/undecodable-body-as-invalid-argument';
import { createLogger } from '../src/logger';
import { GET_OR_CREATE_PATH, sendUndecodableMessage } from './support/send-undecodable-message';

// What the backend's HTTP layer relies on connect-es to do, pinned on a bare adapter: if an
// upgrade changes any of it, this fails and http/undecodable-body-as-invalid-argument.ts (and
// docs/decisions/023) must be revisited rather than silently doing nothing.
describe('connect-es as the backend relies on it', () => {
  let server: ReturnType<typeof listenHttp1AndH2c>;
  let baseUrl: string;

  beforeAll(async () => {
    const unreachable = async () => {
      throw new Error('a body that does not decode must never reach the implementation');
    };
    const impl: ServiceImpl<typeof UserService> = { getOrCreate: unreachable, getMe: unreachable };
    const adapter = connectNodeAdapter({
      routes: (router) => router.service(UserService, impl),
      readMaxBytes: 1024,
    });
    server = listenHttp1AndH2c(adapter, adapter, HTTP_LIMIT_DEFAULTS, createLogger('silent'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['connect', 500, 'internal'],
    ['grpcweb', 200, '13'],
    ['grpc', 200, '13'],
  ] as const)(
    'reports an undecodable binary message over %s as internal "parse binary: …"',
    async (protocol, httpStatus, code) => {
      const answer = await sendUndecodableMessage(baseUrl, protocol);
      expect(answer.httpStatus).toBe(httpStatus);
      expect(answer.code).toBe(code);
      expect(answer.message?.startsWith(BINARY_PARSE_PREFIX)).toBe(true);
    },
  );

  it('reports undecodable JSON as invalid_argument (HTTP 400) already', async () => {
    const response = await fetch(`${baseUrl}${GET_OR_CREATE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"isRegistration": tru',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('invalid_argument');
  });

  it('answers a body over readMaxBytes with resource_exhausted (HTTP 429)', async () => {
    const response = await fetch(`${baseUrl}${GET_OR_CREATE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/proto' },
      body: new Uint8Array(2048),
    });
    expect(response.status).toBe(429);
    expect(((await response.json()) as { code: string }).code).toBe('resource_exhausted');
  });
});
