import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '@liverty-music/test-support/free-port';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS, readEnvOptions } from '../src/index';
import { makeTempDataDir } from './support/temp-data-dir';

describe('environment configuration', () => {
  it('uses the documented defaults', () => {
    expect(readEnvOptions({})).toEqual({ issuer: 'http://127.0.0.1:8080' });
    expect(DEFAULTS).toMatchObject({
      clientId: 'liverty-music-spa',
      projectId: '336500000000000100',
      redirectUris: ['http://localhost:5173/callback', 'http://127.0.0.1:5173/callback'],
      postLogoutRedirectUris: ['http://localhost:5173/', 'http://127.0.0.1:5173/'],
      dataDir: '.local-idp',
    });
  });

  it('maps every LOCAL_IDP_* variable', () => {
    expect(
      readEnvOptions({
        LOCAL_IDP_ISSUER: 'http://localhost:9000',
        LOCAL_IDP_PORT: '9001',
        LOCAL_IDP_HOST: '0.0.0.0',
        LOCAL_IDP_CLIENT_ID: 'spa',
        LOCAL_IDP_PROJECT_ID: '123456789012345678',
        LOCAL_IDP_REDIRECT_URIS: 'http://a.test/cb, http://b.test/cb',
        LOCAL_IDP_POST_LOGOUT_REDIRECT_URIS: 'http://a.test/',
        LOCAL_IDP_DATA_DIR: '/tmp/idp',
        LOCAL_IDP_PAT: 'pat',
        LOCAL_IDP_WEBHOOK_TARGETS: 'http://hooks.test/a,http://hooks.test/b',
        LOCAL_IDP_WEBHOOK_SIGNING_KEY: 'key',
      }),
    ).toEqual({
      issuer: 'http://localhost:9000',
      port: 9001,
      host: '0.0.0.0',
      clientId: 'spa',
      projectId: '123456789012345678',
      redirectUris: ['http://a.test/cb', 'http://b.test/cb'],
      postLogoutRedirectUris: ['http://a.test/'],
      dataDir: '/tmp/idp',
      adminPat: 'pat',
      webhookTargets: ['http://hooks.test/a', 'http://hooks.test/b'],
      webhookSigningKey: 'key',
    });
    expect(() => readEnvOptions({ LOCAL_IDP_PORT: 'eighty' })).toThrow(/LOCAL_IDP_PORT/);
  });
});

describe('npm start entry point', () => {
  const temp = makeTempDataDir();
  afterAll(() => temp.remove());

  it('announces readiness, serves discovery and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: new URL('..', import.meta.url),
      env: { ...process.env, LOCAL_IDP_ISSUER: issuer, LOCAL_IDP_DATA_DIR: temp.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(`local-idp ready at ${issuer}`)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe(issuer);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(output).toContain('GET /.well-known/openid-configuration 200');
  });
});
