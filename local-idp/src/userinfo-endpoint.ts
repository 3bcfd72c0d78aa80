import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessTokenVerifier } from './access-token-verifier';
import { claimsForScopes } from './account-claims';
import type { ActionTargets } from './action-targets';
import { bearerToken, readForm, sendJson } from './http-io';

export interface UserinfoDeps {
  issuer: string;
  verifier: AccessTokenVerifier;
  /** Actions v2 function executions (preuserinfo), when configured. */
  actions?: ActionTargets | undefined;
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
  const claims: Record<string, unknown> = claimsForScopes(
    result.user,
    result.record.scope.split(' '),
  );
  try {
    await deps.actions?.preUserinfo(claims, {
      user: result.user,
      clientId: result.record.clientId,
    });
  } catch {
    // An interrupting target failed: ZITADEL answers userinfo with an error too.
    sendJson(res, 500, { error: 'server_error', error_description: 'userinfo action failed' });
    return;
  }
  sendJson(res, 200, claims);
}
