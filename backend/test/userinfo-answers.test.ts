import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerDiscovery } from '../src/auth/discover-issuer';
import { createUserinfoFetcher } from '../src/auth/fetch-userinfo';
import { hashToken } from '../src/auth/token-key';
import { startTestIssuer, type TestIssuer } from './support/test-issuer';
import { newUserId } from './support/zitadel-events';

// What each answer of the issuer's userinfo means for the caller (found unheld by a mutation run,
// docs/mutation-testing.md): a refusal (401 or 403) is the token's fault, anything else the issuer's.
describe('userinfo answers', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(async () => {
    await issuer?.close();
  });

  const fetcher = () =>
    createUserinfoFetcher({ discover: createIssuerDiscovery({ issuer: issuer.issuer }) });

  async function failure(status: number): Promise<ConnectError> {
    const sub = newUserId();
    const token = await issuer.issue({ sub, email: 'minnie@example.com' });
    issuer.setStatus('userinfo', status);
    try {
      const caught = await fetcher()(hashToken(token), sub).catch((error: unknown) => error);
      expect(caught).toBeInstanceOf(ConnectError);
      return caught as ConnectError;
    } finally {
      issuer.setStatus('userinfo', 200);
    }
  }

  it.each([401, 403])('refuses the token as unauthenticated on HTTP %i', async (status) => {
    const error = await failure(status);
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toBe('the identity provider rejected the access token at userinfo');
  });

  it.each([400, 500, 503])('answers unavailable on HTTP %i, naming the status', async (status) => {
    const error = await failure(status);
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toBe(
      `identity provider unavailable: userinfo answered HTTP ${status}`,
    );
  });

  it('answers the profile, and the same profile again without asking the issuer', async () => {
    const sub = newUserId();
    const token = hashToken(await issuer.issue({ sub, email: 'minnie@example.com', name: 'M' }));
    const fetch = fetcher();
    const asked = issuer.counts.userinfo;
    const first = await fetch(token, sub);
    issuer.setStatus('userinfo', 503);
    try {
      expect(await fetch(token, sub)).toEqual(first);
    } finally {
      issuer.setStatus('userinfo', 200);
    }
    expect(first).toMatchObject({ sub, email: 'minnie@example.com', name: 'M' });
    expect(issuer.counts.userinfo - asked).toBe(1);
  });

  // An issuer that cannot be reached, or answers something that is no userinfo, is the issuer's
  // failure: the caller may retry.
  async function unavailableFrom(userinfoEndpoint: string): Promise<ConnectError> {
    const metadata = {
      issuer: issuer.issuer,
      jwks_uri: `${issuer.issuer}/oauth/v2/keys`,
      userinfo_endpoint: userinfoEndpoint,
    };
    const fetch = createUserinfoFetcher({ discover: async () => metadata });
    const caught = await fetch(hashToken('any'), 'sub').catch((error: unknown) => error);
    expect(caught).toBeInstanceOf(ConnectError);
    expect((caught as ConnectError).code).toBe(Code.Unavailable);
    return caught as ConnectError;
  }

  it('answers unavailable when userinfo cannot be reached', async () => {
    // Port 1 on loopback: nothing listens, the connection is refused.
    const error = await unavailableFrom('http://127.0.0.1:1/oidc/v1/userinfo');
    expect(error.rawMessage).toBe('identity provider unavailable: userinfo request failed');
  });

  it.each([
    ['no subject', '{"email":"minnie@example.com"}'],
    ['no JSON', 'not json'],
  ])('answers unavailable for a userinfo answer with %s', async (_, body) => {
    const server = createServer((_request, response) => response.end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const error = await unavailableFrom(`http://127.0.0.1:${port}/userinfo`);
      expect(error.rawMessage).toBe(
        'identity provider unavailable: userinfo response is malformed',
      );
    } finally {
      server.close();
    }
  });
});
