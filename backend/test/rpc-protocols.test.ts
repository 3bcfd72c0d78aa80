import { execFile } from 'node:child_process';
import { connect as connectHttp2 } from 'node:http2';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { backendUnderTest } from './support/backend-under-test';
import { GET_OR_CREATE_PATH, sendUndecodableMessage } from './support/send-undecodable-message';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUF = `${REPO_ROOT}node_modules/.bin/buf`;

/** `buf curl`: a client that is not ours, speaking each protocol from the repository's protos. */
async function bufCurl(
  url: string,
  protocol: 'connect' | 'grpcweb' | 'grpc',
  token: string,
): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(
    BUF,
    [
      'curl',
      '--schema',
      `${REPO_ROOT}proto`,
      '--protocol',
      protocol,
      ...(protocol === 'grpc' ? ['--http2-prior-knowledge'] : []),
      '--header',
      `Authorization: Bearer ${token}`,
      '--data',
      '{"isRegistration": true}',
      url,
    ],
    { timeout: 30_000 },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('the RPC port speaks Connect, gRPC-web and gRPC', () => {
  const backend = backendUnderTest();

  it.each([
    ['connect', '336494809936036001'],
    ['grpcweb', '336494809936036002'],
    ['grpc', '336494809936036003'],
  ] as const)('answers GetOrCreate over %s (buf curl)', async (protocol, sub) => {
    const token = await backend.issuer.issue({ sub, email: `${protocol}@example.com` });
    const first = await bufCurl(`${backend.server.baseUrl}${GET_OR_CREATE_PATH}`, protocol, token);
    expect(first).toMatchObject({
      created: true,
      user: { zitadelUserId: sub, email: `${protocol}@example.com` },
    });
    const second = await bufCurl(`${backend.server.baseUrl}${GET_OR_CREATE_PATH}`, protocol, token);
    expect(second.created).toBeUndefined(); // false: proto3 JSON leaves it out
    expect((second.user as { id: string }).id).toBe((first.user as { id: string }).id);
  });

  it('refuses gRPC without credentials with unauthenticated (16)', async () => {
    const failure = await bufCurl(
      `${backend.server.baseUrl}${GET_OR_CREATE_PATH}`,
      'grpc',
      'not-a-token',
    ).then(
      () => undefined,
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(failure).toMatch(/unauthenticated/);
  });

  it.each([
    ['connect', 400, 'invalid_argument'],
    ['grpcweb', 200, '3'],
    ['grpc', 200, '3'],
  ] as const)(
    'answers a message that does not decode over %s with invalid_argument',
    async (protocol, httpStatus, code) => {
      const answer = await sendUndecodableMessage(backend.server.baseUrl, protocol);
      expect(answer).toEqual({
        httpStatus,
        code,
        message: expect.stringMatching(/^parse binary:/),
      });
    },
  );

  it('keeps the plain HTTP endpoints on HTTP/1.1: over h2c they are not found', async () => {
    const session = connectHttp2(backend.server.baseUrl);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const stream = session.request({ ':path': '/healthz' });
        stream.once('response', (headers) => resolve(Number(headers[':status'])));
        stream.once('error', reject);
        stream.resume();
        stream.end();
      });
      expect(status).toBe(404);
    } finally {
      session.close();
    }
  });
});
