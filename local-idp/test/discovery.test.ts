import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalIdp } from '../src/index';
import { startTestIdp } from './support/temp-data-dir';

describe('discovery', () => {
  let idp: LocalIdp;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ idp, stop } = await startTestIdp());
  });
  afterAll(() => stop());

  it('serves the ZITADEL endpoint paths relative to the issuer', async () => {
    const response = await fetch(new URL('/.well-known/openid-configuration', idp.issuer));
    expect(response.status).toBe(200);
    const document = (await response.json()) as Record<string, unknown>;
    expect(document).toMatchObject({
      issuer: idp.issuer,
      authorization_endpoint: `${idp.issuer}/oauth/v2/authorize`,
      token_endpoint: `${idp.issuer}/oauth/v2/token`,
      jwks_uri: `${idp.issuer}/oauth/v2/keys`,
      introspection_endpoint: `${idp.issuer}/oauth/v2/introspect`,
      revocation_endpoint: `${idp.issuer}/oauth/v2/revoke`,
      userinfo_endpoint: `${idp.issuer}/oidc/v1/userinfo`,
      end_session_endpoint: `${idp.issuer}/oidc/v1/end_session`,
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: expect.arrayContaining(['authorization_code', 'refresh_token']),
      id_token_signing_alg_values_supported: ['RS256'],
    });
    expect(document.scopes_supported).toEqual(
      expect.arrayContaining([
        'openid',
        'profile',
        'email',
        'offline_access',
        `urn:zitadel:iam:org:project:id:${idp.projectId}:aud`,
        'urn:zitadel:iam:user:resourceowner',
      ]),
    );
  });

  it('listens on loopback and derives the issuer from the picked port', () => {
    expect(idp.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(idp.issuer).toBe(idp.url);
    expect(idp.port).toBeGreaterThan(0);
  });

  it('publishes an RS256 signing key with a kid', async () => {
    const jwks = (await (await fetch(new URL('/oauth/v2/keys', idp.issuer))).json()) as {
      keys: Record<string, string>[];
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({
      kty: 'RSA',
      alg: 'RS256',
      use: 'sig',
      kid: idp.currentKid,
    });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});
