import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, loadConfig, loadSyncConfig } from '../src/config';

const valid = {
  OIDC_ISSUER: 'http://127.0.0.1:8080/',
  OIDC_AUDIENCE: '336500000000000100, spa',
  OIDC_CLIENT_IDS: '336500000000000200',
};

describe('configuration from the environment', () => {
  it('applies defaults and normalises lists and the issuer', () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({
      PORT: 3000,
      OIDC_ISSUER: 'http://127.0.0.1:8080',
      OIDC_AUDIENCE: ['336500000000000100', 'spa'],
      OIDC_CLIENT_IDS: ['336500000000000200'],
      OIDC_JWKS_MAX_STALE_SECONDS: 3600,
      CORS_ORIGINS: [],
      ZITADEL_WEBHOOK_SIGNING_KEYS: [],
      RECONCILER_INTERVAL_MS: 10_000,
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('has HTTP limits and a metrics port by default, metrics off on request', () => {
    expect(loadConfig(valid)).toMatchObject({
      METRICS_PORT: 9464,
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 5_000,
      HTTP_MAX_CONNECTIONS: 1024,
    });
    expect(loadConfig({ ...valid, METRICS_PORT: 'off' }).METRICS_PORT).toBe('off');
    expect(loadConfig({ ...valid, METRICS_PORT: '0' }).METRICS_PORT).toBe(0);
  });

  it('refuses a headers timeout longer than the request timeout, and a metrics port of "no"', () => {
    expect(() =>
      loadConfig({ ...valid, HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' }),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS/);
    expect(() => loadConfig({ ...valid, METRICS_PORT: 'no' })).toThrow(/METRICS_PORT/);
  });

  it('has the Actions v2 targets off, enriches the API clients only, and sensible signup-policy defaults', () => {
    const config = loadConfig(valid);
    expect(config.ZITADEL_ACTIONS_PREACCESSTOKEN_SIGNING_KEYS).toEqual([]);
    expect(config.ZITADEL_ACTIONS_PREUSERINFO_SIGNING_KEYS).toEqual([]);
    expect(config.ZITADEL_ACTIONS_ADD_HUMAN_USER_SIGNING_KEYS).toEqual([]);
    // Unset: the clients whose tokens the API accepts, never "every application".
    expect(config.ZITADEL_ACTIONS_CLIENT_IDS).toEqual(['336500000000000200']);
    expect(config.SIGNUP_RESERVED_USERNAMES).toEqual(
      expect.arrayContaining(['admin', 'root', 'support', 'liverty-music']),
    );
    expect(config.SIGNUP_BLOCKED_EMAIL_DOMAINS).toContain('mailinator.com');
    expect(
      loadConfig({
        ...valid,
        ZITADEL_ACTIONS_PREACCESSTOKEN_SIGNING_KEYS: 'new-key, old-key',
        ZITADEL_ACTIONS_ADD_HUMAN_USER_SIGNING_KEYS: 'policy-key',
        ZITADEL_ACTIONS_CLIENT_IDS: 'spa, other-spa',
        SIGNUP_RESERVED_USERNAMES: 'boss',
        SIGNUP_BLOCKED_EMAIL_DOMAINS: 'spam.example,',
      }),
    ).toMatchObject({
      ZITADEL_ACTIONS_PREACCESSTOKEN_SIGNING_KEYS: ['new-key', 'old-key'],
      ZITADEL_ACTIONS_PREUSERINFO_SIGNING_KEYS: [],
      ZITADEL_ACTIONS_ADD_HUMAN_USER_SIGNING_KEYS: ['policy-key'],
      ZITADEL_ACTIONS_CLIENT_IDS: ['spa', 'other-spa'],
      SIGNUP_RESERVED_USERNAMES: ['boss'],
      SIGNUP_BLOCKED_EMAIL_DOMAINS: ['spam.example'],
    });
  });

  it('refuses the old shared ZITADEL_ACTIONS_SIGNING_KEYS, naming the per-target lists', () => {
    expect(() => loadConfig({ ...valid, ZITADEL_ACTIONS_SIGNING_KEYS: 'k1,k2' })).toThrow(
      /ZITADEL_ACTIONS_SIGNING_KEYS was replaced by one list per target[\s\S]*ZITADEL_ACTIONS_PREACCESSTOKEN_SIGNING_KEYS/,
    );
  });

  describe('issuer transport (finding: an http:// issuer was accepted anywhere)', () => {
    it.each([
      'https://auth.example.com',
      'http://127.0.0.1:8080',
      'http://127.45.6.7',
      'http://localhost:8080',
      'http://[::1]:8080',
    ])('accepts %s', (issuer) => {
      expect(loadConfig({ ...valid, OIDC_ISSUER: issuer }).OIDC_ISSUER).toBe(issuer);
    });

    it.each([
      // tried: a public host, a private address, a name that merely starts like loopback, a
      // compose service name, a loopback-looking label under another domain
      'http://auth.example.com',
      'http://10.0.0.5:8080',
      'http://127.0.0.1.nip.io',
      'http://zitadel:8080',
      'http://localhost.example.com',
    ])('refuses %s without the dev-only opt-in, and accepts it with it', (issuer) => {
      expect(() => loadConfig({ ...valid, OIDC_ISSUER: issuer })).toThrow(
        /OIDC_ISSUER must be https:\/\/ \(http:\/\/ only on loopback[\s\S]*OIDC_ALLOW_INSECURE_ISSUER=true/,
      );
      expect(
        loadConfig({ ...valid, OIDC_ISSUER: issuer, OIDC_ALLOW_INSECURE_ISSUER: 'true' })
          .OIDC_ISSUER,
      ).toBe(issuer);
    });

    it('holds ZITADEL_API_URL (it carries the PAT) to the same rule, in the sync commands too', () => {
      const api = { ZITADEL_API_URL: 'http://zitadel:8080', ZITADEL_PAT: 'pat' };
      expect(() => loadConfig({ ...valid, ...api })).toThrow(/ZITADEL_API_URL must be https/);
      expect(() => loadSyncConfig(api)).toThrow(/ZITADEL_API_URL must be https/);
      expect(loadSyncConfig({ ...api, OIDC_ALLOW_INSECURE_ISSUER: 'true' }).ZITADEL_API_URL).toBe(
        'http://zitadel:8080',
      );
      expect(() => loadConfig({ ...valid, OIDC_ALLOW_INSECURE_ISSUER: 'yes' })).toThrow(
        /OIDC_ALLOW_INSECURE_ISSUER must be true or false/,
      );
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ ...valid, DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it.each([
    [{ ...valid, PORT: 'eighty' }, /PORT /],
    [{ ...valid, DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres:\/\/ URL/],
    [{ ...valid, OIDC_ISSUER: 'ftp://x' }, /OIDC_ISSUER must be an http\(s\) URL/],
    [{ ...valid, CORS_ORIGINS: 'not a url' }, /CORS_ORIGINS/],
    [{ ...valid, ZITADEL_API_URL: 'http://127.0.0.1:8080' }, /ZITADEL_PAT must be set together/],
    [{ OIDC_ISSUER: 'http://x' }, /OIDC_AUDIENCE is missing/],
    [{ ...valid, OIDC_CLIENT_IDS: ' , ' }, /OIDC_CLIENT_IDS must name at least one client id/],
    [
      { ...valid, OIDC_INTROSPECTION_CLIENT_ID: 'api' },
      /OIDC_INTROSPECTION_CLIENT_SECRET must be set together/,
    ],
    [
      { ...valid, OIDC_INTROSPECTION_CLIENT_SECRET: 's', OIDC_INTROSPECTION_KEY_FILE: '/k.json' },
      /OIDC_INTROSPECTION_KEY_FILE and OIDC_INTROSPECTION_CLIENT_SECRET are two ways/,
    ],
  ])('names what is wrong: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reports every problem at once', () => {
    expect(() => loadConfig({})).toThrow(
      /OIDC_ISSUER is missing[\s\S]*OIDC_AUDIENCE is missing[\s\S]*OIDC_CLIENT_IDS is missing/,
    );
  });
});

describe('backend/.env.example', () => {
  const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');

  // A config error sends people to .env.example: a key missing there is a dead end.
  it.each(CONFIG_KEYS)('documents %s', (key) => {
    expect(example).toMatch(new RegExp(`^(# )?${key}=`, 'm'));
  });

  it('documents nothing the backend does not read', () => {
    const documented = [...example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(
      documented.filter((key) => !(CONFIG_KEYS as readonly string[]).includes(key ?? '')),
    ).toEqual([]);
  });
});
