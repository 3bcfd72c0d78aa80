import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load-config';

const base = {
  oidcAuthority: 'http://127.0.0.1:8080',
  oidcClientId: 'liverty-music-spa',
  oidcExtraScope: 'urn:zitadel:iam:org:project:id:336500000000000100:aud',
  apiBaseUrl: 'http://127.0.0.1:3000/',
};

// The metadata a ZITADEL issuer publishes (docs apis/openidoauth/endpoints), as `npm start` copies
// it from the discovery document into config.json.
const metadata = {
  issuer: 'http://127.0.0.1:8080',
  authorization_endpoint: 'http://127.0.0.1:8080/oauth/v2/authorize',
  token_endpoint: 'http://127.0.0.1:8080/oauth/v2/token',
  end_session_endpoint: 'http://127.0.0.1:8080/oidc/v1/end_session',
  jwks_uri: 'http://127.0.0.1:8080/oauth/v2/keys',
  scopes_supported: ['openid', 'profile', 'email'],
};

describe('parseConfig (/config.json)', () => {
  it('reads the settings, without metadata: oidc-client-ts then discovers it', () => {
    expect(parseConfig(base)).toEqual({
      ...base,
      apiBaseUrl: 'http://127.0.0.1:3000',
      accountUrl: 'http://127.0.0.1:8080/ui/console/users/me',
    });
  });

  it("links ZITADEL Console's self-service page unless config.json names another http(s) page", () => {
    expect(parseConfig({ ...base, oidcAuthority: 'https://id.example.com/' }).accountUrl).toBe(
      'https://id.example.com/ui/console/users/me',
    );
    expect(parseConfig({ ...base, accountUrl: 'https://example.com/me' }).accountUrl).toBe(
      'https://example.com/me',
    );
    // Tried: a script URL, which as an href would run in the app's origin when clicked.
    expect(() => parseConfig({ ...base, accountUrl: 'javascript:alert(1)' })).toThrow(
      /accountUrl is not an http\(s\) address/,
    );
  });

  it('hands the issuer metadata to oidc-client-ts as the discovery document gave it', () => {
    expect(parseConfig({ ...base, oidcMetadata: metadata }).oidcMetadata).toEqual(metadata);
  });

  it('refuses metadata of another issuer, or without the endpoints a sign-in needs', () => {
    expect(() =>
      parseConfig({ ...base, oidcMetadata: { ...metadata, issuer: 'http://evil.example' } }),
    ).toThrow(/oidcMetadata is for http:\/\/evil\.example, but oidcAuthority is/);
    expect(() =>
      parseConfig({ ...base, oidcMetadata: { ...metadata, token_endpoint: undefined } }),
    ).toThrow(/oidcMetadata lacks token_endpoint/);
    expect(() => parseConfig({ ...base, oidcMetadata: 'yes' })).toThrow(/not an object/);
  });

  it('accepts the issuer with or without a trailing slash on either side', () => {
    const config = parseConfig({
      ...base,
      oidcAuthority: 'http://127.0.0.1:8080/',
      oidcMetadata: metadata,
    });
    expect(config.oidcMetadata?.issuer).toBe('http://127.0.0.1:8080');
  });

  it('names what is missing', () => {
    expect(() => parseConfig({ oidcClientId: 'x' })).toThrow(
      '/config.json is missing oidcAuthority, apiBaseUrl',
    );
    expect(() => parseConfig(null)).toThrow('/config.json is not a JSON object');
  });
});
