import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database on the shared server, so every measurement starts from the same state
 * and leaves nothing behind. The backend applies its migrations when it starts.
 */
export async function createBenchDatabase(
  adminDatabaseUrl: string,
  label: string,
): Promise<BenchDatabase> {
  const name = `bench_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminDatabaseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`create database ${admin(name)}`;
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      const sql = postgres(adminDatabaseUrl, { max: 1, onnotice: () => {} });
      try {
        // `force` ends connections a crashed child may have left open.
        await sql`drop database if exists ${sql(name)} with (force)`;
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}
