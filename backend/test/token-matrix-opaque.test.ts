import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './support/start-test-server';
import { OTHER_CLIENT_ID } from './support/test-issuer';
import { profile, tokenMatrix } from './support/token-matrix-fixture';

// Opaque access tokens, through introspection. JWT access tokens: token-matrix-jwt.test.ts.
describe('token matrix: only this app’s access tokens, JWT or opaque', () => {
  const { backend, logs, expectOutcome } = tokenMatrix();

  it('accepts a valid opaque token through introspection, and introspects it once per minute', async () => {
    const token = backend.issuer.issueOpaque(profile);
    const before = backend.issuer.counts.introspection;
    await expectOutcome('opaque access token of the SPA (introspected, active)', token, 'accepted');
    await backend.server.client().getMe({}, { headers: { authorization: `Bearer ${token}` } });
    expect(backend.issuer.counts.introspection - before).toBe(1);
    expect(backend.issuer.clientAuthentications.at(-1)).toBe('client_secret_basic');
  });

  it('refuses a revoked opaque token', async () => {
    const token = backend.issuer.issueOpaque(profile);
    backend.issuer.revokeOpaque(token);
    await expectOutcome(
      'opaque, revoked (introspection: active false)',
      token,
      'Unauthenticated',
      /inactive/,
    );
  });

  it('refuses another client’s opaque token', async () => {
    const token = backend.issuer.issueOpaque(profile, { clientId: OTHER_CLIENT_ID });
    await expectOutcome(
      'opaque, another client’s (project in aud)',
      token,
      'PermissionDenied',
      /issued to client "other-app"/,
    );
  });

  it('refuses an opaque token for another project (ZITADEL answers inactive)', async () => {
    const token = backend.issuer.issueOpaque(profile, {
      clientId: 'elsewhere',
      aud: ['elsewhere', '999'],
    });
    await expectOutcome(
      'opaque, another project (introspection: active false)',
      token,
      'Unauthenticated',
      /inactive/,
    );
  });

  it('answers unavailable while the introspection endpoint is down', async () => {
    const token = backend.issuer.issueOpaque(profile);
    backend.issuer.setStatus('introspection', 503);
    await expectOutcome(
      'opaque while introspection answers 503',
      token,
      'Unavailable',
      /introspection answered HTTP 503/,
    );
  });

  it('answers internal when the issuer refuses this API’s introspection credentials', async () => {
    const wrong = await startTestServer({
      database: backend.database.handle,
      issuer: backend.issuer.issuer,
      audience: [backend.issuer.audience],
      introspection: {
        method: 'client_secret_basic',
        clientId: 'api-client',
        clientSecret: 'wrong',
      },
      logger: logs.logger,
    });
    try {
      await expectOutcome(
        'opaque, this API’s introspection secret wrong',
        backend.issuer.issueOpaque(profile),
        'Internal',
        /refused this API's introspection credentials \(unauthorized_client\)/,
        wrong.client(),
      );
    } finally {
      await wrong.close();
    }
  });

  it('refuses opaque tokens with a reason when introspection is not configured', async () => {
    const jwtOnly = await startTestServer({
      database: backend.database.handle,
      issuer: backend.issuer.issuer,
      audience: [backend.issuer.audience],
      logger: logs.logger,
    });
    try {
      await expectOutcome(
        'opaque, introspection not configured',
        backend.issuer.issueOpaque(profile),
        'Unauthenticated',
        /not a JWT, and this API is not configured to introspect/,
        jwtOnly.client(),
      );
    } finally {
      await jwtOnly.close();
    }
  });

  it('introspects with ZITADEL’s JSON key file (private_key_jwt)', async () => {
    const { readIntrospectionKeyFile } = await import('../src/auth/introspection-credentials');
    const dir = mkdtempSync(join(tmpdir(), 'key-file-'));
    const keyFile = join(dir, 'api-app.json');
    writeFileSync(keyFile, JSON.stringify(backend.issuer.introspectionKeyFile()));
    const withKey = await startTestServer({
      database: backend.database.handle,
      issuer: backend.issuer.issuer,
      audience: [backend.issuer.audience],
      introspection: readIntrospectionKeyFile(keyFile),
      logger: logs.logger,
    });
    try {
      await expectOutcome(
        'opaque, introspected with private_key_jwt',
        backend.issuer.issueOpaque(profile),
        'accepted',
        undefined,
        withKey.client(),
      );
      expect(backend.issuer.clientAuthentications.at(-1)).toBe('private_key_jwt');
    } finally {
      await withKey.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
