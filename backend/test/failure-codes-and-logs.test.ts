import { Code, ConnectError } from '@connectrpc/connect';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open-database';
import { backendUnderTest } from './support/backend-under-test';
import { startTestServer } from './support/start-test-server';
import { startTestIssuer, type TestIssuer } from './support/test-issuer';
import { newUserId } from './support/zitadel-events';

/** A logger whose lines the test reads, as JSON. */
function recordingLogger() {
  const lines: { level: number; msg: string; procedure?: string; err?: unknown }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const failureOf = (call: Promise<unknown>) =>
  call.then(
    () => expect.unreachable('the call succeeded'),
    (caught: unknown) => caught as ConnectError,
  );

// connect-error-codes.ts decides what a client is told when a call fails, and what is logged:
// a failure that is ours is logged with the procedure it broke, and nothing of it (no driver
// message, no stack) reaches the client.
describe('a failure that is neither the caller’s nor a lost database', () => {
  const { logger, lines } = recordingLogger();
  const backend = backendUnderTest({ server: { logger } });

  it('is a bare internal to the client, logged as an error with its procedure', async () => {
    // A schema the code does not expect: every query of users fails (42P01, undefined_table).
    await backend.database.handle.query('drop table users cascade', []);
    const bearer = `Bearer ${await backend.issuer.issue({ sub: newUserId() })}`;
    for (const [call, procedure] of [
      ['getOrCreate', 'GetOrCreate'],
      ['getMe', 'GetMe'],
    ] as const) {
      const error = await failureOf(
        backend.server.client()[call]({}, { headers: { authorization: bearer } }),
      );
      expect(error).toBeInstanceOf(ConnectError);
      expect(error.code).toBe(Code.Internal);
      // Nothing of the driver's message (the query, the relation) reaches the client.
      expect(error.rawMessage).toBe('internal error');
      const logged = lines.filter((line) => line.procedure === procedure);
      expect(logged.map((line) => line.level)).toEqual([50]);
      expect(JSON.stringify(logged[0]?.err)).toMatch(/users/);
    }
  });
});

describe('a call while the database cannot be reached', () => {
  const { logger, lines } = recordingLogger();
  let issuer: TestIssuer;
  let server: Awaited<ReturnType<typeof startTestServer>>;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    // Port 1 on loopback: nothing listens, so every connection is refused.
    const unreachable = await openDatabase({
      url: 'postgres://postgres@127.0.0.1:1/none',
      pgliteDir: 'unused',
    });
    server = await startTestServer({
      database: unreachable,
      issuer: issuer.issuer,
      audience: [issuer.audience],
      logger,
    });
  });
  afterAll(async () => {
    await server?.close();
    await issuer?.close();
  });

  it('is unavailable to the client, logged as a warning with its procedure', async () => {
    const token = await issuer.issue({ sub: newUserId() });
    const error = await failureOf(
      server.client().getMe({}, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(error.code).toBe(Code.Unavailable);
    const logged = lines.filter((line) => line.procedure === 'GetMe');
    expect(logged.map((line) => line.level)).toEqual([40]);
    expect(JSON.stringify(logged[0]?.err)).toMatch(/ECONNREFUSED/);
  });
});
