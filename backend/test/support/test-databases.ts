import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase } from '../../src/db/open-database';

/**
 * Every database-backed suite runs against both drivers. Real Postgres comes from
 * TEST_DATABASE_URL (CI sets it); the local default matches this repo's dev machines. If it is
 * unreachable the suite fails loudly rather than skipping.
 */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  handle: DatabaseHandle;
  url?: string;
  drop(): Promise<void>;
}

export const databaseKinds = ['pglite', 'postgres'] as const;
export type DatabaseKind = (typeof databaseKinds)[number];

export async function createTestDatabase(
  kind: DatabaseKind,
  options: { maxConnections?: number } = {},
): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const handle = await openDatabase({ pgliteDir: 'memory://' });
    await handle.migrate();
    return { handle, drop: () => handle.close() };
  }
  // A fresh database per suite: suites run in parallel and must not see each other's rows.
  const name = `liverty_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (error) {
    await admin.end();
    throw new Error(
      `Cannot create a test database at TEST_DATABASE_URL=${TEST_DATABASE_URL}. Is Postgres running? (${String(error)})`,
    );
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const handle = await openDatabase({
    url: url.toString(),
    pgliteDir: 'unused',
    maxConnections: options.maxConnections ?? 10,
  });
  await handle.migrate();
  return {
    handle,
    url: url.toString(),
    async drop() {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
