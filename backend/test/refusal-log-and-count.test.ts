import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTokenAuthentication } from '../src/auth/create-token-authentication';
import { hashToken } from '../src/auth/token-key';
import { authenticatorUnderTest, recordingLogger } from './support/authenticator-under-test';
import {
  INTROSPECTION_CLIENT,
  OTHER_CLIENT_ID,
  startTestIssuer,
  type TestIssuer,
} from './support/test-issuer';
import { newUserId } from './support/zitadel-events';

// Every refusal is counted by its Connect code, and logged (auth/authenticate.ts): the caller's
// mistakes (unauthenticated, permission denied) at info, the issuer's failures at warn; each line
// names the code, the reason and a 12-character fingerprint of the token's hash, never the token.
describe('refusals are counted and logged', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(() => issuer?.close());
  afterEach(() => issuer.setStatus('userinfo', 200));

  async function refused(work: Promise<unknown>): Promise<ConnectError> {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectError);
    return error as ConnectError;
  }

  it.each([
    ['an unknown client (permission denied)', { client_id: OTHER_CLIENT_ID }, 'PermissionDenied'],
    ['an expired token (unauthenticated)', { exp: 1 }, 'Unauthenticated'],
  ])('logs %s at info with its fingerprint', async (_, claims, code) => {
    const auth = authenticatorUnderTest(issuer);
    const token = await issuer.issue({ sub: newUserId() }, { claims });
    const error = await refused(auth.authenticate(`Bearer ${token}`));
    expect(Code[error.code]).toBe(code);
    expect(auth.counted).toEqual([code]);
    expect(auth.lines).toHaveLength(1);
    expect(auth.lines[0]).toMatchObject({
      level: 30,
      msg: 'request refused',
      code,
      reason: error.rawMessage,
      tokenFingerprint: hashToken(token).key.slice(0, 12),
    });
    expect(JSON.stringify(auth.lines)).not.toContain(token);
  });

  it('logs a refusal without a token with no fingerprint', async () => {
    const auth = authenticatorUnderTest(issuer);
    await refused(auth.authenticate('Basic dXNlcjpwYXNz'));
    expect(auth.counted).toEqual(['Unauthenticated']);
    expect(auth.lines[0]).toMatchObject({ level: 30, code: 'Unauthenticated' });
    expect(auth.lines[0]).not.toHaveProperty('tokenFingerprint');
  });

  it('logs the issuer’s failure behind identity() at warn, and counts it', async () => {
    const auth = authenticatorUnderTest(issuer);
    const token = await issuer.issue({ sub: newUserId() });
    const caller = await auth.authenticate(`Bearer ${token}`);
    expect(auth.counted).toEqual([]);
    issuer.setStatus('userinfo', 503);
    const error = await refused(caller.identity());
    expect(error.code).toBe(Code.Unavailable);
    expect(auth.counted).toEqual(['Unavailable']);
    expect(auth.lines.at(-1)).toMatchObject({
      level: 40,
      msg: 'request could not be authenticated',
      code: 'Unavailable',
      reason: 'identity provider unavailable: userinfo answered HTTP 503',
      tokenFingerprint: hashToken(token).key.slice(0, 12),
    });
  });

  it('counts and logs a JWT older than the bound that userinfo refuses; takes it while userinfo is down', async () => {
    const auth = authenticatorUnderTest(issuer);
    const token = await issuer.issue({ sub: newUserId() });
    auth.atIssuedPlus(token, 60_000);
    issuer.setStatus('userinfo', 503);
    await auth.authenticate(`Bearer ${token}`);
    expect(auth.counted).toEqual([]);
    expect(auth.lines).toEqual([]);
    issuer.setStatus('userinfo', 401);
    const error = await refused(auth.authenticate(`Bearer ${token}`));
    expect(error.rawMessage).toBe('the identity provider rejected the access token at userinfo');
    expect(auth.counted).toEqual(['Unauthenticated']);
    expect(auth.lines.at(-1)).toMatchObject({ level: 30, reason: error.rawMessage });
  });
});

// The wiring of create-token-authentication.ts: its counters, the introspection budget, and the
// key set's clock shared with the verifier.
describe('token authentication as the server wires it', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(() => issuer?.close());

  function wired(settings: Partial<Parameters<typeof createTokenAuthentication>[0]> = {}) {
    const refusals: string[] = [];
    let exhausted = 0;
    const authenticate = createTokenAuthentication(
      {
        issuer: issuer.issuer,
        audience: [issuer.audience],
        clientIds: [issuer.clientId],
        introspection: { method: 'client_secret_basic', ...INTROSPECTION_CLIENT },
        ...settings,
      },
      recordingLogger().logger,
      {
        introspectionBudgetExhausted: { inc: () => exhausted++ },
        authRefusals: { inc: ({ code }) => refusals.push(code) },
      },
    );
    const call = (token: string) =>
      authenticate(new Headers({ authorization: `Bearer ${token}` })).then(
        (caller) => caller.zitadelUserId,
        (error: unknown) => ConnectError.from(error).rawMessage,
      );
    return { call, refusals, exhausted: () => exhausted };
  }

  it('counts refusals by code, and spent introspection budget', async () => {
    const { call, refusals, exhausted } = wired({
      introspectionBudget: { maxPerSecond: 1, maxConcurrent: 1 },
    });
    const sub = newUserId();
    // Both spend from the budget before either reaches the issuer: the second finds it spent.
    expect(
      await Promise.all([call(issuer.issueOpaque({ sub })), call(issuer.issueOpaque({ sub }))]),
    ).toEqual([
      sub,
      'identity provider unavailable: too many opaque access tokens to check right now (introspection budget spent), retry shortly',
    ]);
    expect(exhausted()).toBe(1);
    expect(refusals).toEqual(['Unavailable']);
  });

  it('refuses without counters as with them', async () => {
    const authenticate = createTokenAuthentication(
      {
        issuer: issuer.issuer,
        audience: [issuer.audience],
        clientIds: [issuer.clientId],
        introspection: { method: 'client_secret_basic', ...INTROSPECTION_CLIENT },
        introspectionBudget: { maxPerSecond: 1, maxConcurrent: 1 },
      },
      recordingLogger().logger,
    );
    const call = (authorization?: string) =>
      authenticate(new Headers(authorization ? { authorization } : {})).then(
        (caller) => caller.zitadelUserId,
        (error: unknown) => ConnectError.from(error).rawMessage,
      );
    expect(await call()).toBe('missing Authorization header with a Bearer access token');
    const sub = newUserId();
    const opaque = () => `Bearer ${issuer.issueOpaque({ sub })}`;
    expect(await Promise.all([call(opaque()), call(opaque())])).toEqual([
      sub,
      'identity provider unavailable: too many opaque access tokens to check right now (introspection budget spent), retry shortly',
    ]);
  });

  it('checks exp by the key set’s clock when one is given', async () => {
    const sub = newUserId();
    const token = await issuer.issue({ sub });
    expect(await wired().call(token)).toBe(sub);
    const twoHoursLater = Date.now() + 2 * 60 * 60_000;
    expect(await wired({ keySet: { now: () => twoHoursLater } }).call(token)).toBe(
      'access token expired',
    );
  });
});
