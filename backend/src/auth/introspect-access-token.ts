import { z } from 'zod';
import { authMisconfigured, issuerUnavailable } from './auth-error';
import type { IssuerMetadata } from './discover-issuer';
import {
  type IntrospectionCredentials,
  introspectionAuthentication,
} from './introspection-credentials';

// RFC 7662 §2.2, as ZITADEL fills it (internal/api/oidc/introspect.go → zitadel/oidc
// pkg/oidc/introspection.go IntrospectionResponse): active, scope, client_id, token_type, exp, iat,
// nbf, sub, aud, iss, jti, username, plus the userinfo claims of the token's scopes.
const responseSchema = z.looseObject({
  active: z.boolean(),
  sub: z.string().optional(),
  client_id: z.string().optional(),
  exp: z.number().optional(),
  iat: z.number().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  iss: z.string().optional(),
  scope: z.string().optional(),
});

export type IntrospectionResponse = z.infer<typeof responseSchema>;

export type IntrospectAccessToken = (token: string) => Promise<IntrospectionResponse>;

export interface IntrospectorOptions {
  issuer: string;
  discover: () => Promise<IssuerMetadata>;
  credentials: IntrospectionCredentials;
  timeoutMs?: number;
}

/**
 * Asks the issuer about an opaque access token (RFC 7662). Reports what the issuer said; whether
 * the token is acceptable here (active, client, audience) is the verifier's decision.
 */
export function createIntrospector(options: IntrospectorOptions): IntrospectAccessToken {
  const timeoutMs = options.timeoutMs ?? 5000;
  return async (token) => {
    const { introspection_endpoint } = await options.discover();
    if (!introspection_endpoint) {
      throw authMisconfigured('the issuer publishes no introspection_endpoint for opaque tokens');
    }
    const auth = await introspectionAuthentication(options.credentials, options.issuer);
    let response: Response;
    try {
      response = await fetch(introspection_endpoint, {
        method: 'POST',
        headers: {
          ...auth.headers,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ ...auth.form, token }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw issuerUnavailable('introspection request failed', error);
    }
    const body = (await response.json().catch(() => undefined)) as { error?: unknown } | undefined;
    // zitadel/oidc answers a missing or refused client authentication with HTTP 400 (or 401)
    // and error invalid_client / unauthorized_client (pkg/op/server_http.go, introspect.go).
    if (
      (response.status === 400 || response.status === 401) &&
      (body?.error === 'invalid_client' || body?.error === 'unauthorized_client')
    ) {
      throw authMisconfigured(
        `the identity provider refused this API's introspection credentials (${body.error})`,
      );
    }
    if (!response.ok) throw issuerUnavailable(`introspection answered HTTP ${response.status}`);
    const parsed = responseSchema.safeParse(body);
    if (!parsed.success) throw issuerUnavailable('introspection response is malformed');
    return parsed.data;
  };
}
