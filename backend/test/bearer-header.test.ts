import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticatorUnderTest } from './support/authenticator-under-test';
import { startTestIssuer, type TestIssuer } from './support/test-issuer';
import { newUserId } from './support/zitadel-events';

// Which Authorization headers carry a token (auth/authenticate.ts): the scheme in any case
// (RFC 9110 §11.1), one or more spaces, one token and nothing after it.
describe('the Bearer header', () => {
  let issuer: TestIssuer;
  let sub: string;
  let token: string;
  beforeAll(async () => {
    issuer = await startTestIssuer();
    sub = newUserId();
    token = await issuer.issue({ sub });
  });
  afterAll(() => issuer?.close());

  it.each([
    ['Bearer <token>', (t: string) => `Bearer ${t}`],
    ['bearer <token>', (t: string) => `bearer ${t}`],
    ['BEARER <token>', (t: string) => `BEARER ${t}`],
    ['Bearer   <token>', (t: string) => `Bearer   ${t}`],
  ])('takes %s', async (_, header) => {
    const caller = await authenticatorUnderTest(issuer).authenticate(header(token));
    expect(caller.zitadelUserId).toBe(sub);
  });

  it.each([
    ['Bearer', () => 'Bearer'],
    ['Bearer <token> <token>', (t: string) => `Bearer ${t} ${t}`],
    ['xBearer <token>', (t: string) => `xBearer ${t}`],
    ['Bearer,<token>', (t: string) => `Bearer,${t}`],
    ['Bearer<token>', (t: string) => `Bearer${t}`],
    ['Basic <token>', (t: string) => `Basic ${t}`],
  ])('refuses %s as not a Bearer token', async (_, header) => {
    const error = await authenticatorUnderTest(issuer)
      .authenticate(header(token))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
    expect((error as ConnectError).rawMessage).toBe(
      'Authorization header is not "Bearer <access token>"',
    );
  });

  it('refuses a call without the header, or with it empty, as missing it', async () => {
    for (const header of [undefined, '']) {
      const error = await authenticatorUnderTest(issuer)
        .authenticate(header)
        .catch((caught: unknown) => caught);
      expect((error as ConnectError).rawMessage).toBe(
        'missing Authorization header with a Bearer access token',
      );
    }
  });
});
