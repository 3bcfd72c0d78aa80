import { Writable } from 'node:stream';
import { Code, ConnectError } from '@connectrpc/connect';
import { count } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeEach, expect } from 'vitest';
import { users } from '../../src/db/schema';
import { backendUnderTest } from './backend-under-test';
import { INTROSPECTION_CLIENT } from './test-issuer';

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

export const profile = { sub: '336494809936035843', email: 'mini@mouse.com', name: 'Minnie Mouse' };

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

/**
 * The backend under test for the enclosing describe block (introspecting with the API app's secret,
 * logging into `logs`), and `expectOutcome`, which calls GetOrCreate with a token and checks what
 * came back. Each file prints the rows it recorded as a table when its block ends.
 */
export function tokenMatrix() {
  const matrix: Row[] = [];
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
  return { backend, logs, expectOutcome };
}
