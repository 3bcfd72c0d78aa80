// @vitest-environment node
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSecurityHeaders } from '../vite-plugins/security-headers';

const DOCKER = resolve(import.meta.dirname, '../docker');
const dir = mkdtempSync(join(tmpdir(), 'security-headers-'));
let files = 0;
function configFile(content: unknown): string {
  const file = join(dir, `config-${++files}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}
const run = (file: string, env: Record<string, string> = {}) =>
  spawnSync('sh', [join(DOCKER, 'security-headers.sh'), file], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });

// What zitadel-setup writes for docker compose (zitadel-setup/src/runtime-config.ts).
const composeConfig = {
  oidcAuthority: 'http://localhost:8080',
  oidcClientId: '336500000000000101',
  oidcExtraScope: 'urn:zitadel:iam:org:project:id:336500000000000100:aud',
  apiBaseUrl: 'http://localhost:3000',
};

describe('docker/security-headers.sh', () => {
  it('allows scripts from the app only, connections to the app, the API and the issuer, and no framing', () => {
    expect(readSecurityHeaders(configFile(composeConfig))).toEqual([
      [
        'Content-Security-Policy',
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' http://localhost:3000 http://localhost:8080; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      ],
      ['Referrer-Policy', 'no-referrer'],
      ['X-Content-Type-Options', 'nosniff'],
    ]);
  });

  it('names origins only, once each, and adds a token endpoint on another origin', () => {
    const [[, policy] = []] = readSecurityHeaders(
      configFile(
        // One line, as a program might write it; paths and a trailing slash on the URLs.
        '{"oidcAuthority":"https://id.example.com/","apiBaseUrl":"https://id.example.com/api/","oidcClientId":"c","oidcMetadata":{"issuer":"https://id.example.com/","token_endpoint":"https://tokens.example.com:8443/oauth/v2/token"}}',
      ),
    );
    expect(policy).toContain(
      "connect-src 'self' https://id.example.com https://tokens.example.com:8443;",
    );
  });

  it('refuses a configuration that lacks the API or holds something that is not a URL', () => {
    const missing = run(configFile({ ...composeConfig, apiBaseUrl: undefined }));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('apiBaseUrl');
    // A value that would end the directive and add its own.
    const injected = run(
      configFile({
        ...composeConfig,
        oidcAuthority: "http://a.example; script-src 'unsafe-inline'",
      }),
    );
    expect(injected.status).toBe(1);
    expect(injected.stderr).toContain('oidcAuthority');
    expect(injected.stdout).toBe('');
    expect(run(join(dir, 'absent.json')).status).toBe(1);
  });

  it('adds the dev server sources only when asked, and refuses ones that break the header', () => {
    const file = configFile(composeConfig);
    const [[, policy] = []] = readSecurityHeaders(file, {
      EXTRA_SCRIPT_SRC: "'nonce-abc'",
      EXTRA_STYLE_SRC: "'nonce-abc'",
    });
    expect(policy).toContain("script-src 'self' 'nonce-abc';");
    expect(policy).toContain("style-src 'self' 'nonce-abc';");
    expect(run(file, { EXTRA_CONNECT_SRC: "ws://x; script-src 'unsafe-eval'" }).status).toBe(1);
  });
});

describe('docker/40-security-headers.sh (nginx start-up hook)', () => {
  it('writes the headers as nginx add_header lines, sent with every response', () => {
    const out = join(dir, 'security-headers.conf');
    execFileSync('sh', [join(DOCKER, '40-security-headers.sh')], {
      env: {
        PATH: `${DOCKER}:${process.env.PATH}`,
        APP_CONFIG_FILE: configFile(composeConfig),
        SECURITY_HEADERS_CONF: out,
      },
    });
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toEqual([
      `add_header Content-Security-Policy "${readSecurityHeaders(configFile(composeConfig))[0]?.[1]}" always;`,
      'add_header Referrer-Policy "no-referrer" always;',
      'add_header X-Content-Type-Options "nosniff" always;',
    ]);
  });

  it('stops the container on a bad configuration, leaving no headers file', () => {
    const out = join(dir, 'never-written.conf');
    const result = spawnSync('sh', [join(DOCKER, '40-security-headers.sh')], {
      encoding: 'utf8',
      env: {
        PATH: `${DOCKER}:${process.env.PATH}`,
        APP_CONFIG_FILE: configFile({ oidcAuthority: 'http://localhost:8080' }),
        SECURITY_HEADERS_CONF: out,
      },
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('apiBaseUrl');
    expect(() => readFileSync(out)).toThrow();
  });
});
