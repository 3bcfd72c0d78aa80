import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, ConnectError } from '@connectrpc/connect';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntrospector } from '../src/auth/introspect-access-token';
import {
  type IntrospectionCredentials,
  readIntrospectionKeyFile,
} from '../src/auth/introspection-credentials';
import { type ScriptedIssuer, startScriptedIssuer } from './support/scripted-issuer';

const INTROSPECT = '/introspect';

// How this API asks the issuer about an opaque token (RFC 7662) and what each answer means
// (auth/introspect-access-token.ts, auth/introspection-credentials.ts), against an issuer over
// HTTP whose answers each test writes.
describe('introspection request', () => {
  let issuer: ScriptedIssuer;
  beforeAll(async () => {
    issuer = await startScriptedIssuer();
  });
  afterAll(() => issuer?.close());

  const basic: IntrospectionCredentials = {
    method: 'client_secret_basic',
    clientId: 'api client:1',
    clientSecret: 'p@ss:w/rd',
  };

  function introspector(
    credentials: IntrospectionCredentials = basic,
    document = issuer.document(),
  ) {
    return createIntrospector({
      issuer: issuer.issuer,
      discover: async () => document,
      credentials,
    });
  }

  async function failure(work: Promise<unknown>): Promise<ConnectError> {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectError);
    return error as ConnectError;
  }

  it('posts the token form-encoded, authenticated with Basic of the form-encoded id and secret', async () => {
    issuer.answer(INTROSPECT, { body: { active: true, sub: '1', client_id: 'spa' } });
    expect(await introspector()('opaque-token')).toEqual({
      active: true,
      sub: '1',
      client_id: 'spa',
    });
    const request = issuer.requestsTo(INTROSPECT).at(-1);
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.accept).toBe('application/json');
    // RFC 6749 §2.3.1: each part form-encoded before the two are joined.
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from('api%20client%3A1:p%40ss%3Aw%2Frd').toString('base64')}`,
    );
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      token: 'opaque-token',
    });
  });

  it('signs a fresh five-minute private_key_jwt assertion for the issuer on every request', async () => {
    issuer.answer(INTROSPECT, { body: { active: false } });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const introspect = introspector({
      method: 'private_key_jwt',
      clientId: 'api-client',
      keyId: 'key-9',
      privateKey,
    });
    await introspect('first');
    await introspect('second');
    const forms = issuer
      .requestsTo(INTROSPECT)
      .slice(-2)
      .map((request) => new URLSearchParams(request.body));
    expect(issuer.requestsTo(INTROSPECT).at(-1)?.headers.authorization).toBeUndefined();
    const assertions = forms.map((form) => {
      expect(form.get('client_assertion_type')).toBe(
        'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      );
      const assertion = form.get('client_assertion') ?? '';
      expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'RS256', kid: 'key-9' });
      return decodeJwt(assertion);
    });
    expect(forms.map((form) => form.get('token'))).toEqual(['first', 'second']);
    for (const claims of assertions) {
      expect(claims).toMatchObject({ iss: 'api-client', sub: 'api-client', aud: issuer.issuer });
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(300);
    }
    expect(assertions[0]?.jti).toBeTypeOf('string');
    expect(assertions[0]?.jti).not.toBe(assertions[1]?.jti);
  });

  it('is misconfigured, without asking, when the issuer publishes no introspection endpoint', async () => {
    const asked = issuer.requestsTo(INTROSPECT).length;
    const error = await failure(
      introspector(basic, issuer.document({ introspection_endpoint: undefined }))('t'),
    );
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toBe(
      'token verification is misconfigured: the issuer publishes no introspection_endpoint for opaque tokens',
    );
    expect(issuer.requestsTo(INTROSPECT).length).toBe(asked);
  });

  it.each([
    [400, 'invalid_client'],
    [401, 'invalid_client'],
    [400, 'unauthorized_client'],
    [401, 'unauthorized_client'],
  ])(
    'is misconfigured when the issuer answers %i %s (this API’s credentials)',
    async (status, code) => {
      issuer.answer(INTROSPECT, { status, body: { error: code } });
      const error = await failure(introspector()('t'));
      expect(error.code).toBe(Code.Internal);
      expect(error.rawMessage).toBe(
        `token verification is misconfigured: the identity provider refused this API's introspection credentials (${code})`,
      );
    },
  );

  it.each([
    [400, { error: 'invalid_request' }],
    [400, 'not json'],
    [500, { error: 'invalid_client' }],
    [503, 'not json'],
  ])('is unavailable, naming the status, when the issuer answers %i %j', async (status, body) => {
    issuer.answer(INTROSPECT, { status, body });
    const error = await failure(introspector()('t'));
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toBe(
      `identity provider unavailable: introspection answered HTTP ${status}`,
    );
  });

  it.each([
    ['no JSON', 'not json'],
    ['no active flag', { sub: '1' }],
  ])('is unavailable for an answer with %s', async (_, body) => {
    issuer.answer(INTROSPECT, { body });
    const error = await failure(introspector()('t'));
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toBe(
      'identity provider unavailable: introspection response is malformed',
    );
  });

  it('is unavailable when the issuer cannot be reached', async () => {
    const error = await failure(
      introspector(basic, issuer.document({ introspection_endpoint: 'http://127.0.0.1:1/i' }))('t'),
    );
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toBe('identity provider unavailable: introspection request failed');
  });
});

describe('ZITADEL application key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'key-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, content: string): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  it('reads the key id, client id and key for private_key_jwt', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const path = file(
      'good.json',
      JSON.stringify({ type: 'application', keyId: 'k1', key: pem, appId: 'a', clientId: 'c1' }),
    );
    const credentials = readIntrospectionKeyFile(path);
    expect(credentials).toMatchObject({ method: 'private_key_jwt', clientId: 'c1', keyId: 'k1' });
    expect(credentials.method === 'private_key_jwt' && credentials.privateKey.type).toBe('private');
  });

  it('refuses another file, naming it and the first line of the reason', () => {
    const path = file('user-key.json', JSON.stringify({ type: 'serviceaccount', keyId: 'k' }));
    expect(() => readIntrospectionKeyFile(path)).toThrow(
      new RegExp(
        `^${path} is not a ZITADEL application key file \\(JSON with type "application", keyId, key, clientId\\): \\[$`,
      ),
    );
    const notJson = file('not.json', 'not json');
    expect(() => readIntrospectionKeyFile(notJson)).toThrow(
      /^.*not\.json is not a ZITADEL application key file .*: Unexpected token/,
    );
  });
});
