import { afterAll, beforeAll } from 'vitest';
import { startTestServer } from './start-test-server';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './test-databases';
import { startTestIssuer, type TestIssuer } from './test-issuer';

type ServerOptions = Omit<
  Parameters<typeof startTestServer>[0],
  'database' | 'issuer' | 'audience'
>;

export interface BackendUnderTest {
  issuer: TestIssuer;
  database: TestDatabase;
  server: Awaited<ReturnType<typeof startTestServer>>;
}

/**
 * A test issuer, a fresh database and the real server wired to both, for the enclosing describe
 * block: started before its first test, stopped and dropped after its last. Read the fields inside
 * tests (they are set in beforeAll).
 */
export function backendUnderTest(
  options: { kind?: DatabaseKind; server?: ServerOptions } = {},
): BackendUnderTest {
  const fixture = {} as BackendUnderTest;
  beforeAll(async () => {
    fixture.issuer = await startTestIssuer();
    fixture.database = await createTestDatabase(options.kind ?? 'postgres');
    fixture.server = await startTestServer({
      ...options.server,
      database: fixture.database.handle,
      issuer: fixture.issuer.issuer,
      audience: [fixture.issuer.audience],
    });
  });
  afterAll(async () => {
    await fixture.server?.close();
    await fixture.issuer?.close();
    await fixture.database?.drop();
  });
  return fixture;
}
