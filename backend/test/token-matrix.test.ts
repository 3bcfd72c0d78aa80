import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Code, ConnectError } from '@connectrpc/connect';
import { count } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { users } from '../src/db/schema';
import { backendUnderTest } from './support/backend-under-test';
import { startTestServer } from './support/start-test-server';
import { INTROSPECTION_CLIENT, OTHER_CLIENT_ID } from './support/test-issuer';

// Which tokens this API takes, over real HTTP against an issuer that signs, introspects and fails
// like ZITADEL. The ZITADEL facts each row relies on:
// - ID tokens are signed with the same key and carry the same `sub` and `aud` as JWT access
//   tokens, and also `client_id` (zitadel/oidc pkg/oidc/token.go NewIDTokenClaims sets `azp` and
//   `client_id`; ZITADEL internal/api/oidc/token.go createIDToken adds `at_hash`), so only `azp`,
//   `at_hash` and `nonce` tell them apart.
// - JWT access tokens carry `client_id` (zitadel/oidc NewAccessTokenClaims, RFC 9068 §2.2) and
//   any app of the instance can put the project in `aud` (scope urn:zitadel:iam:org:project:id:…:aud).
// - Opaque tokens are ZITADEL's default; introspection needs the API app's credentials and
//   answers {"active":false} for revoked tokens and for tokens whose audience holds neither the
//   API app nor its project (internal/api/oidc/introspect.go, validateIntrospectionAudience).

type Outcome = 'accepted' | keyof typeof Code;

interface Row {
  token: string;
  expected: string;
  result: string;
}

const profile = { sub: '336494809936035843', email: 'mini@mouse.com', name: 'Minnie Mouse' };
const matrix: Row[] = [];

function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, stream) };
}

describe('token matrix: only this app’s access tokens, JWT or opaque', () => {
  const logs = captureLogs();
  const backend = backendUnderTest({
    kind: 'pglite',
    server: {
      introspection: { method: 'client_secret_basic', ...INTROSPECTION_CLIENT },
      logger: logs.logger,
    },
  });

  afterAll(() => {
    console.log(
      `\ntoken matrix\n| token | expected | result |\n| --- | --- | --- |\n${matrix
        .map((row) => `| ${row.token} | ${row.expected} | ${row.result} |`)
        .join('\n')}\n`,
    );
  });
  beforeEach(async () => {
    await backend.database.handle.db.delete(users);
    for (const endpoint of ['discovery', 'jwks', 'introspection', 'userinfo'] as const)
      backend.issuer.setStatus(endpoint, 200);
  });

  async function rowCount() {
    const [row] = await backend.database.handle.db.select({ n: count() }).from(users);
    return row?.n;
  }

  /** Calls GetOrCreate with the token, records the outcome in the matrix, and checks it. */
  async function expectOutcome(
    name: string,
    token: string,
    expected: Outcome,
    message?: RegExp,
    call = backend.server.client(),
  ) {
    const outcome = await call
      .getOrCreate({ isRegistration: true }, { headers: { authorization: `Bearer ${token}` } })
      .then(
        () => ({ code: 'accepted' as Outcome, message: 'GetOrCreate answered' }),
        (error: unknown) => {
          const connect = ConnectError.from(error);
          return { code: Code[connect.code] as Outcome, message: connect.rawMessage };
        },
      );
    matrix.push({
      token: name,
      expected,
      result: `${outcome.code}: ${outcome.message}`,
    });
    expect(outcome.code, outcome.message).toBe(expected);
    if (message) expect(outcome.message).toMatch(message);
    if (expected === 'accepted') expect(await rowCount()).toBe(1);
    else expect(await rowCount()).toBe(0);
    if (expected !== 'accepted') {
      // One log line names the reason; no line holds the token.
      const logged = JSON.stringify(outcome.message).slice(1, -1);
      expect(logs.lines.some((line) => line.includes(logged))).toBe(true);
      expect(logs.lines.join('\n')).not.toContain(token);
    }
  }

  it('accepts the SPA’s JWT access token (control)', async () => {
    await expectOutcome(
      'JWT access token of the SPA (control)',
      await backend.issuer.issue(profile),
      'accepted',
    );
  });

  it('refuses a ZITADEL-shaped ID token, which carries client_id too', async () => {
    const idToken = await backend.issuer.issueIdToken(profile);
    await expectOutcome(
      'ID token (aud, sub, client_id as the access token; azp, at_hash, nonce)',
      idToken,
      'Unauthenticated',
      /this is an ID token \(it has azp, nonce, at_hash\)/,
    );
    const withoutNonce = await backend.issuer.issueIdToken(profile, { nonce: false });
    await expectOutcome(
      'ID token without nonce',
      withoutNonce,
      'Unauthenticated',
      /ID token \(it has azp, at_hash\)/,
    );
  });

  it('refuses another client’s JWT access token, though its audience holds the project', async () => {
    const token = await backend.issuer.issue(profile, {
      claims: { client_id: OTHER_CLIENT_ID, aud: [OTHER_CLIENT_ID, backend.issuer.audience] },
    });
    await expectOutcome(
      'another client’s JWT access token (project in aud)',
      token,
      'PermissionDenied',
      /issued to client "other-app", which may not call this API/,
    );
  });

  it('refuses a JWT without client_id', async () => {
    const token = await backend.issuer.issue(profile, { claims: { client_id: undefined } });
    await expectOutcome('JWT without client_id', token, 'Unauthenticated', /no client_id/);
  });

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

  it('keeps verifying with the last key set while the issuer is unreachable, within the bound', async () => {
    let clock = Date.now();
    const resilient = await startTestServer({
      database: backend.database.handle,
      issuer: backend.issuer.issuer,
      audience: [backend.issuer.audience],
      // Refetch on every call, so the outage is noticed at once; a bound of 10 minutes.
      keySet: { refreshAfterMs: 0, cooldownMs: 0, maxStaleMs: 10 * 60_000, now: () => clock },
      logger: logs.logger,
    });
    try {
      await expectOutcome(
        'JWT, issuer up (keys fetched)',
        await backend.issuer.issue(profile),
        'accepted',
        undefined,
        resilient.client(),
      );
      await backend.database.handle.db.delete(users);
      backend.issuer.setStatus('jwks', 503);
      backend.issuer.setStatus('discovery', 503);
      const warnings = logs.lines.length;
      clock += 9 * 60_000;
      await expectOutcome(
        'JWT, JWKS and discovery down 9 min, key cached',
        await backend.issuer.issue(profile),
        'accepted',
        undefined,
        resilient.client(),
      );
      expect(logs.lines.slice(warnings).join('\n')).toMatch(
        /issuer key set unreachable: verifying with the last key set fetched/,
      );

      await backend.database.handle.db.delete(users);
      await backend.issuer.publishOtherKey('key-2');
      await expectOutcome(
        'JWT by a key not seen yet, JWKS down',
        await backend.issuer.issue(profile, { kid: 'key-2', useOtherKey: true }),
        'Unavailable',
        /key this API has not seen/,
        resilient.client(),
      );

      clock += 2 * 60_000;
      await expectOutcome(
        'JWT, JWKS down 11 min (past the 10 min bound)',
        await backend.issuer.issue(profile),
        'Unavailable',
        /key set answered HTTP 503|discovery answered HTTP 503/,
        resilient.client(),
      );
    } finally {
      await resilient.close();
    }
  });
});
