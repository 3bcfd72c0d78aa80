import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIssuerDiscovery } from '../src/auth/discover-issuer';
import { type ScriptedIssuer, startScriptedIssuer } from './support/scripted-issuer';

const DISCOVERY = '/.well-known/openid-configuration';

async function unavailable(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectError);
  expect((error as ConnectError).code).toBe(Code.Unavailable);
  return (error as ConnectError).rawMessage;
}

// OIDC discovery (auth/discover-issuer.ts), against an issuer over HTTP whose answers each test
// writes: what is reused and for how long, and which documents are refused.
describe('issuer discovery', () => {
  let issuer: ScriptedIssuer;
  beforeAll(async () => {
    issuer = await startScriptedIssuer();
  });
  afterAll(() => issuer?.close());
  afterEach(() => {
    vi.useRealTimers();
    issuer.answer(DISCOVERY, { body: issuer.document() });
  });

  it('reuses a discovery for an hour, then asks again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const started = Date.now();
    const discover = createIssuerDiscovery({ issuer: issuer.issuer });
    const asked = issuer.requestsTo(DISCOVERY).length;
    expect((await discover()).jwks_uri).toBe(`${issuer.issuer}/keys`);
    vi.setSystemTime(started + 60 * 60_000 - 1);
    await discover();
    expect(issuer.requestsTo(DISCOVERY).length - asked).toBe(1);
    vi.setSystemTime(started + 60 * 60_000);
    await discover();
    expect(issuer.requestsTo(DISCOVERY).length - asked).toBe(2);
  });

  it('sends callers who ask at once the one request', async () => {
    const discover = createIssuerDiscovery({ issuer: issuer.issuer });
    const asked = issuer.requestsTo(DISCOVERY).length;
    const answers = await Promise.all([discover(), discover(), discover()]);
    expect(new Set(answers).size).toBe(1);
    expect(issuer.requestsTo(DISCOVERY).length - asked).toBe(1);
  });

  it('remembers no failure: the next call asks again', async () => {
    const discover = createIssuerDiscovery({ issuer: issuer.issuer });
    issuer.answer(DISCOVERY, { status: 503, body: { error: 'temporarily_unavailable' } });
    expect(await unavailable(discover())).toBe(
      'identity provider unavailable: discovery answered HTTP 503',
    );
    issuer.answer(DISCOVERY, { body: issuer.document() });
    expect((await discover()).issuer).toBe(issuer.issuer);
  });

  it.each([
    ['no JSON', 'not json'],
    ['no jwks_uri', { issuer: 'x', userinfo_endpoint: 'http://127.0.0.1/userinfo' }],
  ])('refuses a document with %s as malformed', async (_, body) => {
    issuer.answer(DISCOVERY, { body: typeof body === 'string' ? body : { ...body } });
    const discover = createIssuerDiscovery({ issuer: issuer.issuer });
    expect(await unavailable(discover())).toBe(
      'identity provider unavailable: discovery document is malformed',
    );
  });

  it('refuses a document that names another issuer (OIDC Discovery §4.3)', async () => {
    issuer.answer(DISCOVERY, { body: issuer.document({ issuer: 'https://evil.example.com' }) });
    const discover = createIssuerDiscovery({ issuer: issuer.issuer });
    expect(await unavailable(discover())).toBe(
      `identity provider unavailable: discovery names issuer https://evil.example.com, expected ${issuer.issuer}`,
    );
  });

  it('takes a document naming the issuer with trailing slashes', async () => {
    issuer.answer(DISCOVERY, { body: issuer.document({ issuer: `${issuer.issuer}//` }) });
    const discover = createIssuerDiscovery({ issuer: issuer.issuer });
    expect((await discover()).userinfo_endpoint).toBe(`${issuer.issuer}/userinfo`);
  });

  it('gives up on an issuer that does not answer within the timeout', async () => {
    issuer.answer(DISCOVERY, 'hang');
    const discover = createIssuerDiscovery({ issuer: issuer.issuer, timeoutMs: 200 });
    expect(await unavailable(discover())).toBe(
      'identity provider unavailable: discovery request failed',
    );
  });
});
