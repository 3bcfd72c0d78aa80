import { createHash, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { jwtVerify } from 'jose';
import { INTROSPECTION_CLIENT, PROJECT_ID, type TestUserinfo } from './test-issuer-clients';

/** What the test issuer remembers of an opaque access token it issued. */
export interface OpaqueToken {
  sub: string;
  clientId: string;
  aud: string[];
  exp: number;
  iat: number;
  active: boolean;
}

/** The API app's key the issuer checks private_key_jwt assertions with, and where it is. */
export interface IntrospectionClientKey {
  issuer: string;
  publicKey: KeyObject;
  keyId: string;
}

export async function readForm(req: IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * zitadel/oidc pkg/op/server_http.go parseClientCredentials: Basic or client_assertion. Records
 * which one each request used in `used`.
 */
export async function authenticateClient(
  req: IncomingMessage,
  form: URLSearchParams,
  key: IntrospectionClientKey,
  used: string[],
) {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (basic) {
    const [id = '', secret = ''] = Buffer.from(basic, 'base64')
      .toString('utf8')
      .split(':')
      .map(decodeURIComponent);
    used.push('client_secret_basic');
    return id === INTROSPECTION_CLIENT.clientId && secret === INTROSPECTION_CLIENT.clientSecret
      ? 'ok'
      : 'unauthorized_client';
  }
  const assertion = form.get('client_assertion');
  if (assertion) {
    used.push('private_key_jwt');
    if (
      form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    )
      return 'invalid_request';
    try {
      const { payload, protectedHeader } = await jwtVerify(assertion, key.publicKey, {
        audience: key.issuer,
        issuer: INTROSPECTION_CLIENT.clientId,
        subject: INTROSPECTION_CLIENT.clientId,
      });
      return protectedHeader.kid === key.keyId && payload.exp ? 'ok' : 'unauthorized_client';
    } catch {
      return 'unauthorized_client';
    }
  }
  return 'invalid_client';
}

/**
 * The RFC 7662 answer for a token, as ZITADEL gives it (internal/api/oidc/introspect.go):
 * inactive, unknown, and tokens whose audience holds neither the API app nor its project all
 * answer {"active": false}.
 */
export function introspectionAnswer(
  issuer: string,
  raw: string,
  token: OpaqueToken | undefined,
  profile: TestUserinfo | undefined,
) {
  if (
    !token?.active ||
    token.exp * 1000 < Date.now() ||
    !token.aud.some((entry) => entry === PROJECT_ID || entry === INTROSPECTION_CLIENT.clientId)
  ) {
    return { active: false };
  }
  return {
    active: true,
    scope: 'openid profile email',
    client_id: token.clientId,
    token_type: 'Bearer',
    exp: token.exp,
    iat: token.iat,
    nbf: token.iat,
    sub: token.sub,
    aud: token.aud,
    iss: issuer,
    jti: createHash('sha256').update(raw).digest('hex').slice(0, 18),
    username: profile?.email,
    ...profile,
  };
}
