import { randomUUID } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { CompactSign, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_USER_ID_CLAIM } from '../src/auth/app-user-id-claim';
import { createIssuerDiscovery } from '../src/auth/discover-issuer';
import { createIssuerKeySet } from '../src/auth/issuer-key-set';
import { hashToken } from '../src/auth/token-key';
import { createAccessTokenVerifier } from '../src/auth/verify-access-token';
import { type ScriptedIssuer, startScriptedIssuer } from './support/scripted-issuer';

const AUDIENCE = 'project-1';
const CLIENT = 'spa';

// What a correctly signed JWT access token must carry, and what the verifier reads from it
// (auth/verify-access-token.ts), with claims the test issuer never signs: no `sub` or `exp`, an
// empty `sub`, a malformed `iat` or `nbf`, an app user id that is no UUID.
describe('JWT access token claims', () => {
  let issuer: ScriptedIssuer;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let sign: (claims: JWTPayload, header?: { kid?: string }) => Promise<string>;

  beforeAll(async () => {
    issuer = await startScriptedIssuer();
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const publicKey = pair.publicKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    // A second key under its own kid, and two under one kid: a token naming it is ambiguous.
    const other = await exportJWK((await generateKeyPair('RS256')).publicKey);
    issuer.answer('/keys', {
      body: {
        keys: [jwk, { ...jwk, kid: 'twice' }, { ...other, kid: 'twice', alg: 'RS256', use: 'sig' }],
      },
    });
    sign = (claims, header = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: header.kid ?? 'k1' })
        .sign(privateKey);
  });
  afterAll(() => issuer?.close());

  function verify(token: string) {
    return createAccessTokenVerifier({
      issuer: issuer.issuer,
      audience: [AUDIENCE],
      clientIds: [CLIENT],
      keySet: createIssuerKeySet({ discover: createIssuerDiscovery({ issuer: issuer.issuer }) }),
    })(hashToken(token));
  }

  const seconds = () => Math.floor(Date.now() / 1000);
  const valid = (): JWTPayload => ({
    iss: issuer.issuer,
    aud: [CLIENT, AUDIENCE],
    client_id: CLIENT,
    sub: '42',
    iat: seconds(),
    exp: seconds() + 3600,
  });

  async function refusal(token: string): Promise<string> {
    const error = await verify(token).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
    return (error as ConnectError).rawMessage;
  }

  it('reads the subject, client, issue time (ms) and the app user id of the enricher', async () => {
    const claims = { ...valid(), [APP_USER_ID_CLAIM]: randomUUID().toUpperCase() };
    expect(await verify(await sign(claims))).toEqual({
      sub: '42',
      clientId: CLIENT,
      kind: 'jwt',
      appUserId: claims[APP_USER_ID_CLAIM],
      issuedAt: (claims.iat ?? 0) * 1000,
    });
  });

  it.each([
    ['no UUID', 'not-a-uuid'],
    ['a UUID inside other text', `x${randomUUID()}`],
    ['a number', 42],
    // A list's text is its one item: the pattern alone would pass it.
    ['a list holding a UUID', [randomUUID()]],
  ])('ignores an app user id claim that is %s', async (_, value) => {
    const verified = await verify(await sign({ ...valid(), [APP_USER_ID_CLAIM]: value }));
    expect(verified.appUserId).toBeUndefined();
    expect(verified.sub).toBe('42');
  });

  it('has no issue time when the token has no iat', async () => {
    const { iat: _, ...claims } = valid();
    expect((await verify(await sign(claims))).issuedAt).toBeUndefined();
  });

  it.each(['sub', 'exp'])('refuses a token without %s', async (claim) => {
    const claims: JWTPayload = valid();
    delete claims[claim];
    expect(await refusal(await sign(claims))).toBe(`access token claim "${claim}" is invalid`);
  });

  it('refuses an empty client_id as none, not as another client', async () => {
    expect(await refusal(await sign({ ...valid(), client_id: '' }))).toMatch(
      /^access token has no client_id/,
    );
  });

  it('refuses an empty subject, and one that is no string', async () => {
    expect(await refusal(await sign({ ...valid(), sub: '' }))).toBe('access token has no subject');
    // jose checks that `sub` is present, not its type.
    expect(await refusal(await sign({ ...valid(), sub: 42 as unknown as string }))).toBe(
      'access token has no subject',
    );
  });

  // jose reports a time claim that is no number under the claim's name: the reason must not say
  // "in the future" or "not yet valid" of a value that is no time at all.
  it.each(['iat', 'nbf'])('refuses a %s that is no number as invalid', async (claim) => {
    expect(await refusal(await sign({ ...valid(), [claim]: 'yesterday' }))).toBe(
      `access token claim "${claim}" is invalid`,
    );
  });

  it('refuses a claims set that is no JSON as malformed', async () => {
    const token = await new CompactSign(new TextEncoder().encode('not json'))
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .sign(privateKey);
    expect(await refusal(token)).toBe('access token is malformed');
  });

  it('refuses a header that is no JSON as malformed before asking for keys', async () => {
    const part = (text: string) => Buffer.from(text).toString('base64url');
    const verifyFresh = createAccessTokenVerifier({
      issuer: issuer.issuer,
      audience: [AUDIENCE],
      clientIds: [CLIENT],
      keySet: createIssuerKeySet({ discover: createIssuerDiscovery({ issuer: issuer.issuer }) }),
    });
    const fetched = issuer.requestsTo('/keys').length;
    const token = `${part('not json')}.${part(JSON.stringify(valid()))}.${part('signature')}`;
    const error = await verifyFresh(hashToken(token)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(ConnectError.from(error).code).toBe(Code.Unauthenticated);
    expect(ConnectError.from(error).rawMessage).toBe('access token is malformed');
    expect(issuer.requestsTo('/keys').length).toBe(fetched);
  });

  it('costs no key set refetch for a kid that is no string', async () => {
    const clock = { now: Date.now() };
    const verifyAt = createAccessTokenVerifier({
      issuer: issuer.issuer,
      audience: [AUDIENCE],
      clientIds: [CLIENT],
      keySet: createIssuerKeySet({
        discover: createIssuerDiscovery({ issuer: issuer.issuer }),
        now: () => clock.now,
      }),
      now: () => clock.now,
    });
    const fetched = issuer.requestsTo('/keys').length;
    await verifyAt(hashToken(await sign(valid())));
    // Past the cooldown, when an unknown kid would be refetched.
    clock.now += 30_000;
    const error = await verifyAt(
      hashToken(await sign(valid(), { kid: 5 as unknown as string })),
    ).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(ConnectError.from(error).rawMessage).toBe('access token is signed with an unknown key');
    expect(issuer.requestsTo('/keys').length - fetched).toBe(1);
  });

  it('refuses a token whose kid names two keys: it is not tried with each', async () => {
    expect(await refusal(await sign(valid(), { kid: 'twice' }))).toBe(
      'access token is signed with an unknown key',
    );
  });
});
