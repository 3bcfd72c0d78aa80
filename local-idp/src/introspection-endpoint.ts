import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessTokenVerifier } from './access-token-verifier.ts';
import { claimsForScopes } from './account-claims.ts';
import { readForm, sendJson } from './http-io.ts';

/**
 * `/oauth/v2/introspect` (RFC 7662) for this IdP's access tokens. ZITADEL requires an authenticated
 * API application here; this dev IdP has none, so any caller may introspect (documented difference).
 * Refresh tokens and foreign tokens are reported as inactive.
 */
export async function handleIntrospection(
  req: IncomingMessage,
  res: ServerResponse,
  verifier: AccessTokenVerifier,
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
  const token = (await readForm(req)).get('token');
  if (!token) {
    sendJson(res, 400, { error: 'invalid_request', error_description: 'missing token parameter' });
    return;
  }
  const result = await verifier.check(token);
  if (!result.ok) {
    sendJson(res, 200, { active: false });
    return;
  }
  const { claims, record, user } = result;
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
    username: user.email,
    ...claimsForScopes(user, record.scope.split(' ')),
  });
}
