import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntrospector } from '../src/auth/introspect-access-token';
import { REVOCATION_BOUND_MS } from '../src/auth/revocation-bound';
import { hashToken } from '../src/auth/token-key';
import { createAccessTokenVerifier } from '../src/auth/verify-access-token';
import { type ScriptedIssuer, startScriptedIssuer } from './support/scripted-issuer';

const INTROSPECT = '/introspect';
const AUDIENCE = 'project-1';
const CLIENT = 'spa';
// 48 random bytes in base64url, the shape of a ZITADEL opaque token (opaque-token-shape.ts).
let sequence = 0;
const opaqueToken = () => `${'A'.repeat(60)}${String(1000 + ++sequence)}`;

// What an active introspection answer must say for the opaque token to be taken
// (auth/verify-access-token.ts verifyOpaque), with answers the test issuer never gives: a foreign
// or slash-ended `iss`, `aud` as one string, no `sub`, an `exp` at the edge of the clock skew.
describe('introspection answers the verifier takes', () => {
  let issuer: ScriptedIssuer;
  const clock = { now: 1_800_000_000_000 };
  const nowSeconds = () => Math.floor(clock.now / 1000);
  beforeAll(async () => {
    issuer = await startScriptedIssuer();
  });
  afterAll(() => issuer?.close());

  function verifier() {
    const verify = createAccessTokenVerifier({
      issuer: issuer.issuer,
      audience: [AUDIENCE],
      clientIds: [CLIENT],
      keySet: {
        forKid: () => Promise.reject(new Error('an opaque token needs no key')),
      },
      introspect: createIntrospector({
        issuer: issuer.issuer,
        discover: async () => issuer.document(),
        credentials: { method: 'client_secret_basic', clientId: 'api', clientSecret: 's' },
      }),
      now: () => clock.now,
    });
    return (token: string) => verify(hashToken(token));
  }

  function answer(fields: Record<string, unknown>) {
    issuer.answer(INTROSPECT, {
      body: { active: true, sub: '42', client_id: CLIENT, aud: [AUDIENCE], ...fields },
    });
  }

  async function refusal(work: Promise<unknown>): Promise<string> {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
    return (error as ConnectError).rawMessage;
  }

  it('takes an answer without iss, exp or iat', async () => {
    answer({});
    expect(await verifier()(opaqueToken())).toEqual({
      sub: '42',
      clientId: CLIENT,
      kind: 'opaque',
    });
  });

  it('takes the issuer with trailing slashes, and refuses another', async () => {
    answer({ iss: `${issuer.issuer}//` });
    expect((await verifier()(opaqueToken())).sub).toBe('42');
    answer({ iss: 'https://evil.example.com' });
    expect(await refusal(verifier()(opaqueToken()))).toBe('access token has the wrong issuer');
  });

  it('takes an audience given as one string, and refuses none or another', async () => {
    answer({ aud: AUDIENCE });
    expect((await verifier()(opaqueToken())).sub).toBe('42');
    answer({ aud: undefined });
    expect(await refusal(verifier()(opaqueToken()))).toBe(
      'access token is not meant for this API (audience)',
    );
    answer({ aud: ['another-project', 'other-app'] });
    expect(await refusal(verifier()(opaqueToken()))).toBe(
      'access token is not meant for this API (audience)',
    );
  });

  it('refuses an active answer that names no subject', async () => {
    answer({ sub: '' });
    expect(await refusal(verifier()(opaqueToken()))).toBe(
      'introspection names no subject for this access token',
    );
  });

  it('takes an exp up to the 60 s clock skew ago, and no later', async () => {
    answer({ exp: nowSeconds() - 60 });
    expect((await verifier()(opaqueToken())).sub).toBe('42');
    clock.now += 1;
    expect(await refusal(verifier()(opaqueToken()))).toBe('access token expired');
  });

  it('trusts an acceptance until exp when that comes before the revocation bound', async () => {
    const verify = verifier();
    const token = opaqueToken();
    const exp = nowSeconds() + 10;
    answer({ exp });
    await verify(token);
    const asked = issuer.requestsTo(INTROSPECT).length;
    clock.now = exp * 1000 - 1;
    await verify(token);
    expect(issuer.requestsTo(INTROSPECT).length).toBe(asked);
    // At exp: asked again (and still taken, inside the clock skew).
    clock.now = exp * 1000;
    await verify(token);
    expect(issuer.requestsTo(INTROSPECT).length).toBe(asked + 1);
  });

  // RFC 7662 makes exp optional; the revocation bound still limits how long the answer is trusted.
  it('trusts an answer without exp for the revocation bound, no longer', async () => {
    const verify = verifier();
    const token = opaqueToken();
    answer({});
    const asked = issuer.requestsTo(INTROSPECT).length;
    await verify(token);
    clock.now += REVOCATION_BOUND_MS - 1;
    await verify(token);
    expect(issuer.requestsTo(INTROSPECT).length).toBe(asked + 1);
    clock.now += 1;
    await verify(token);
    expect(issuer.requestsTo(INTROSPECT).length).toBe(asked + 2);
  });

  it('names what is wrong with a string that cannot be a ZITADEL opaque token, without asking', async () => {
    const asked = issuer.requestsTo(INTROSPECT).length;
    expect(await refusal(verifier()('too-short'))).toBe(
      'access token is neither a JWT nor a ZITADEL opaque token (too short)',
    );
    expect(issuer.requestsTo(INTROSPECT).length).toBe(asked);
  });
});
