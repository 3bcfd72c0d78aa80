import { afterAll, beforeAll } from 'vitest';
import type { DatabaseHandle } from '../../src/db/open-database';
import { startTestServer } from './start-test-server';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './test-databases';
import { startTestIssuer, type TestIssuer } from './test-issuer';

type ServerOptions = Omit<
  Parameters<typeof startTestServer>[0],
  'database' | 'issuer' | 'audience'
>;

/** What every server under test is wired to: the fixture's database and issuer. */
export interface Wiring {
  database: DatabaseHandle;
  issuer: string;
  audience: string[];
}

export interface BackendUnderTest<Server = Awaited<ReturnType<typeof startTestServer>>> {
  issuer: TestIssuer;
  database: TestDatabase;
  server: Server;
  /** Every replica started on the one database; `server` is the first. */
  replicas: Server[];
}

/**
 * A test issuer, a fresh database and the real server wired to both, for the enclosing describe
 * block: started before its first test, stopped and dropped after its last. Read the fields inside
 * tests (they are set in beforeAll). `start` replaces the plain server (the Actions targets' one,
 * say); `replicas` starts that many on the one database.
 */
export function backendUnderTest<
  Server extends { close(): Promise<unknown> } = Awaited<ReturnType<typeof startTestServer>>,
>(
  options: {
    kind?: DatabaseKind;
    maxConnections?: number;
    server?: ServerOptions;
    start?: (wiring: Wiring) => Promise<Server>;
    replicas?: number;
  } = {},
): BackendUnderTest<Server> {
  const fixture = {} as BackendUnderTest<Server>;
  const start =
    options.start ??
    ((wiring: Wiring) =>
      startTestServer({ ...options.server, ...wiring }) as unknown as Promise<Server>);
  beforeAll(async () => {
    fixture.issuer = await startTestIssuer();
    fixture.database = await createTestDatabase(
      options.kind ?? 'postgres',
      options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections },
    );
    const wiring = {
      database: fixture.database.handle,
      issuer: fixture.issuer.issuer,
      audience: [fixture.issuer.audience],
    };
    fixture.replicas = await Promise.all(
      Array.from({ length: options.replicas ?? 1 }, () => start(wiring)),
    );
    fixture.server = fixture.replicas[0] as Server;
  });
  afterAll(async () => {
    await Promise.all((fixture.replicas ?? []).map((replica) => replica.close()));
    await fixture.issuer?.close();
    await fixture.database?.drop();
  });
  return fixture;
}
