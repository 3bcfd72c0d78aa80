import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessTokenVerifier } from './access-token-verifier';
import { claimsForScopes } from './account-claims';
import { readForm, sendJson } from './http-io';

/** An API application of the project, allowed to introspect (ZITADEL: app type API). */
export interface IntrospectionClient {
  clientId: string;
  clientSecret: string;
}

export interface IntrospectionDeps {
  verifier: AccessTokenVerifier;
  clients: readonly IntrospectionClient[];
  projectId: string;
}

/**
 * `/oauth/v2/introspect` (RFC 7662) as ZITADEL serves it:
 * - the caller must authenticate as an API application (zitadel/oidc pkg/op/server_http.go
 *   introspectionHandler: no credentials → 400 invalid_client "client must be authenticated";
 *   ZITADEL internal/api/oidc/introspect.go: wrong credentials → 400 unauthorized_client);
 *   client_secret_basic or client_secret_post here (private_key_jwt is not offered);
 * - a token is active only if its audience holds the API app or its project
 *   (introspect.go validateIntrospectionAudience), otherwise {"active": false}, as for revoked,
 *   expired, unknown and refresh tokens;
 * - an active answer has active, scope, client_id (the token's client), token_type, exp, iat,
 *   nbf, sub, aud, iss, jti, username and the userinfo claims of the token's scopes.
 */
export async function handleIntrospection(
  req: IncomingMessage,
  res: ServerResponse,
  deps: IntrospectionDeps,
): Promise<void> {
  if (req.method !== 'POST') {
    sendJson(
      res,
      405,
      { error: 'invalid_request', error_description: 'use POST' },
      { Allow: 'POST' },
    );
    return;
  }
  const form = await readForm(req);
  const client = authenticateClient(req, form, deps.clients);
  if (!client.ok) {
    sendJson(res, 400, { error: client.error, error_description: client.description });
    return;
  }
  const token = form.get('token');
  if (!token) {
    sendJson(res, 400, { error: 'invalid_request', error_description: 'token missing' });
    return;
  }
  const result = await deps.verifier.check(token);
  const audience = result.ok ? [result.claims.aud ?? []].flat() : [];
  if (
    !result.ok ||
    !audience.some((entry) => entry === client.clientId || entry === deps.projectId)
  ) {
    sendJson(res, 200, { active: false });
    return;
  }
  const { claims, record, user } = result;
  const released = claimsForScopes(user, record.scope.split(' '));
  sendJson(res, 200, {
    active: true,
    scope: record.scope,
    client_id: record.clientId,
    token_type: 'Bearer',
    exp: claims.exp,
    iat: claims.iat,
    nbf: claims.nbf,
    sub: claims.sub,
    aud: claims.aud,
    iss: claims.iss,
    jti: claims.jti,
    ...(typeof released.preferred_username === 'string'
      ? { username: released.preferred_username }
      : {}),
    ...released,
  });
}

type ClientCheck =
  | { ok: true; clientId: string }
  | {
      ok: false;
      error: 'invalid_client' | 'invalid_request' | 'unauthorized_client';
      description: string;
    };

function authenticateClient(
  req: IncomingMessage,
  form: URLSearchParams,
  clients: readonly IntrospectionClient[],
): ClientCheck {
  let clientId = form.get('client_id') ?? '';
  let secret = form.get('client_secret') ?? '';
  const basic = /^Basic\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  if (basic) {
    if (secret || form.get('client_assertion')) {
      return {
        ok: false,
        error: 'invalid_request',
        description: 'client authentication must not use more than one method',
      };
    }
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    try {
      // RFC 6749 §2.3.1: both parts are form-encoded before Basic (zitadel/oidc unescapes them).
      clientId = decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' '));
    } catch {
      return { ok: false, error: 'invalid_client', description: 'invalid basic auth header' };
    }
  }
  if (form.get('client_assertion')) {
    return {
      ok: false,
      error: 'unauthorized_client',
      description:
        'private_key_jwt is not offered by the local identity provider; use a client secret',
    };
  }
  if (!secret) {
    return { ok: false, error: 'invalid_client', description: 'client must be authenticated' };
  }
  const known = clients.find((candidate) => candidate.clientId === clientId);
  if (!known || known.clientSecret !== secret) {
    return { ok: false, error: 'unauthorized_client', description: 'client authentication failed' };
  }
  return { ok: true, clientId };
}
