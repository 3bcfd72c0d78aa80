import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../src/db/schema';
import { createTestDatabase, type TestDatabase } from './support/test-databases';
import { startTestEventApi } from './support/test-event-api';
import { addedPayload, newUserId } from './support/zitadel-events';

const run = promisify(execFile);
const backendDir = fileURLToPath(new URL('..', import.meta.url));

// The real commands, as `npm run sync:backfill` / `sync:drift` start them, against a real Event
// API server and a real Postgres database.
describe('sync commands', () => {
  let database: TestDatabase;
  let api: Awaited<ReturnType<typeof startTestEventApi>>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    api = await startTestEventApi();
    const start = Date.now() - 3_600_000;
    for (let i = 0; i < 1500; i++) {
      const userId = newUserId();
      api.events.push({
        userId,
        sequence: 1,
        type: 'user.human.added',
        creationDate: new Date(start + i * 1000).toISOString(),
        payload: addedPayload(`bulk${i}@example.com`),
      });
    }
    env = {
      ...process.env,
      DATABASE_URL: database.url,
      ZITADEL_API_URL: api.url,
      ZITADEL_PAT: api.pat,
    };
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  const tsx = (script: string, args: string[] = []) =>
    run('npx', ['tsx', script, ...args], { cwd: backendDir, env }).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('drift reports every user missing before the backfill, and changes nothing', async () => {
    const result = await tsx('src/cli/sync-drift.ts', ['--exit-code']);
    expect(result.stdout).toMatch(/missing in app: 1500/);
    expect(result.stdout).toMatch(/drift found \(nothing was changed\)/);
    expect('code' in result ? result.code : 0).toBe(1);
    expect((await database.handle.db.select({ n: count() }).from(users))[0]?.n).toBe(0);
  });

  it('backfill imports every user in pages, with progress, and a rerun adds nothing', async () => {
    const first = await tsx('src/cli/sync-backfill.ts');
    expect(first.stdout).toMatch(/backfill complete: \d+ events read, 1500 applied/);
    expect(first.stderr).toMatch(/\[#+\.*\]\s+\d+%/);
    expect((await database.handle.db.select({ n: count() }).from(users))[0]?.n).toBe(1500);

    const second = await tsx('src/cli/sync-backfill.ts');
    expect(second.stdout).toMatch(/, 0 applied/);
    expect((await database.handle.db.select({ n: count() }).from(users))[0]?.n).toBe(1500);
  });

  it("drift then shows none, and names a field changed behind ZITADEL's back", async () => {
    const clean = await tsx('src/cli/sync-drift.ts', ['--exit-code']);
    expect(clean.stdout).toMatch(/no drift/);
    await database.handle.db
      .update(users)
      .set({ email: 'edited@example.com' })
      .where(eq(users.email, 'bulk7@example.com'));
    const drifted = await tsx('src/cli/sync-drift.ts');
    expect(drifted.stdout).toMatch(/different fields: 1/);
    expect(drifted.stdout).toMatch(/email: zitadel="bulk7@example.com" app="edited@example.com"/);
  });

  it('names what is missing in its configuration', async () => {
    const result = await run('npx', ['tsx', 'src/cli/sync-drift.ts'], {
      cwd: backendDir,
      env: { PATH: process.env.PATH },
    }).catch((error: { stderr: string }) => error);
    expect(result.stderr).toMatch(/ZITADEL_API_URL is missing/);
    expect(result.stderr).toMatch(/ZITADEL_PAT is missing/);
  });
});
