import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessTokenVerifier } from './access-token-verifier.ts';
import { claimsForScopes } from './account-claims.ts';
import { bearerToken, readForm, sendJson } from './http-io.ts';

export interface UserinfoDeps {
  issuer: string;
  verifier: AccessTokenVerifier;
}

function challenge(issuer: string, error?: { code: string; description: string }): string {
  const parts = [`realm="${issuer}"`];
  if (error) parts.push(`error="${error.code}"`, `error_description="${error.description}"`);
  return `Bearer ${parts.join(', ')}`;
}

/**
 * `/oidc/v1/userinfo` for this IdP's JWT access tokens: claims by the token's granted scopes
 * (email → email, email_verified; profile → name, given_name, family_name, preferred_username,
 * locale, updated_at), exactly what ZITADEL returns for a user without nickname/picture/phone.
 */
export async function handleUserinfo(
  req: IncomingMessage,
  res: ServerResponse,
  deps: UserinfoDeps,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') {
    sendJson(
      res,
      405,
      { error: 'invalid_request', error_description: 'method not allowed' },
      { Allow: 'GET, POST' },
    );
    return;
  }
  let token = bearerToken(req);
  if (
    !token &&
    req.method === 'POST' &&
    /application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')
  ) {
    // RFC 6750 §2.2 form-encoded body parameter.
    token = (await readForm(req)).get('access_token') ?? undefined;
  }
  if (!token) {
    sendJson(
      res,
      401,
      { error: 'invalid_request', error_description: 'no access token provided' },
      {
        'WWW-Authenticate': challenge(deps.issuer),
      },
    );
    return;
  }
  const result = await deps.verifier.check(token);
  if (!result.ok) {
    const error = { code: 'invalid_token', description: result.description };
    sendJson(
      res,
      401,
      { error: error.code, error_description: error.description },
      {
        'WWW-Authenticate': challenge(deps.issuer, error),
      },
    );
    return;
  }
  sendJson(res, 200, claimsForScopes(result.user, result.record.scope.split(' ')));
}
