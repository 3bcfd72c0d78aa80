import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestEventApi } from '@liverty-music/test-support/fake-event-api';
import { listedHuman } from '@liverty-music/test-support/fake-list-users';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { users } from '../src/db/schema';
import { startFaultProxy } from './support/fault-proxy';
import { type LocalIdpProcess, startLocalIdpProcess } from './support/local-idp-process';
import { type ExpectedUser, expectedFromBurst, presence } from './support/sync-checks';
import { createTestDatabase, type TestDatabase } from './support/test-databases';
import { addedPayload, newUserId } from './support/zitadel-events';

const run = promisify(execFile);
const backendDir = fileURLToPath(new URL('..', import.meta.url));

// Each case starts the command as its own process (tsx, migrations): give it time on a busy machine.
vi.setConfig({ testTimeout: 90_000 });

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
    expect(first.stdout).toMatch(
      /backfill complete: \d+ events read, 1500 applied, 1500 users created, 0 updated in [\d.]+ s; every event up to \S+Z is applied/,
    );
    expect('code' in first ? first.code : 0).toBe(0);
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

  it('drift --repair with ListUsers down: exit 2, says the sweep stopped early, removes nobody', async () => {
    api.listUsersFaults.failures = 1000;
    try {
      const result = await run('npx', ['tsx', 'src/cli/sync-drift.ts', '--repair'], {
        cwd: backendDir,
        env: { ...env, SYNC_RETRY_ATTEMPTS: '1' },
      }).catch((error: { code: number; stdout: string; stderr: string }) => error);
      expect(result.stdout).toMatch(/sweep failed: 0 of 0 users listed/);
      expect(result.stdout).toMatch(
        /the sweep stopped early \(.*503.*\): nobody was removed by it/,
      );
      expect('code' in result ? result.code : 0).toBe(2);
      const removed = await database.handle.db
        .select({ n: count() })
        .from(users)
        .where(eq(users.state, 'removed'));
      expect(removed[0]?.n).toBe(0);
    } finally {
      api.listUsersFaults.failures = 0;
    }
  });

  it('drift --repair runs one sweep now: a signup the events never showed is created', async () => {
    // ListUsers lists everyone, and one user whose events the Event API never returned.
    for (const event of api.events) {
      api.listed.push(
        listedHuman({
          userId: event.userId,
          email: String(event.payload?.email),
          sequence: 1,
          creationDate: event.creationDate,
        }),
      );
    }
    const lateId = newUserId();
    api.listed.push(
      listedHuman({
        userId: lateId,
        email: 'late@example.com',
        sequence: 2,
        creationDate: new Date().toISOString(),
      }),
    );
    const result = await tsx('src/cli/sync-drift.ts', ['--repair', '--list-users']);
    expect(result.stdout).toMatch(
      /sweep complete: 1501 of 1501 users listed; 1 created, 0 updated, 0 removed in [\d.]+ s/,
    );
    expect(
      (await database.handle.db.select().from(users).where(eq(users.zitadelUserId, lateId)))[0],
    ).toMatchObject({ email: 'late@example.com', state: 'active' });
    // The edit made behind ZITADEL's back above carries the same sequence: drift still names it.
    expect(result.stdout).toMatch(/drift found after the sweep/);
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

// Against the local identity provider (ZITADEL's rules, dense instants) and through a proxy that
// turns ZITADEL's API off: "backfill complete" and exit 0 only when it is.
describe('sync commands on a dense history', () => {
  let database: TestDatabase;
  let idp: LocalIdpProcess;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  let expected: ExpectedUser[];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    idp = await startLocalIdpProcess();
    proxy = await startFaultProxy(idp.url);
    const paced = await idp.burst({ count: 300, perSecond: 3000, emailPrefix: 'cli-paced' });
    const bulk = await idp.burst({ count: 2100, emailPrefix: 'cli-bulk' });
    expected = [...expectedFromBurst(paced), ...expectedFromBurst(bulk)];
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await idp?.close();
    await database?.drop();
  });

  const commandEnv = (): NodeJS.ProcessEnv => ({
    ...process.env,
    DATABASE_URL: database.url,
    ZITADEL_API_URL: proxy.url,
    ZITADEL_PAT: idp.pat,
    SYNC_RETRY_BASE_MS: '20',
    SYNC_RETRY_ATTEMPTS: '3',
    SYNC_PROJECTION_SETTLE_MS: '200',
  });
  const command = (script: string, args: string[] = []) =>
    run('npx', ['tsx', script, ...args], { cwd: backendDir, env: commandEnv() }).then(
      (result) => ({ ...result, code: 0 }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('backfill stops with exit 1, naming where and what to do, when ZITADEL does not answer', async () => {
    proxy.inject('unavailable', 1000);
    try {
      const result = await command('src/cli/sync-backfill.ts');
      expect(result.code).toBe(1);
      expect(result.stdout).not.toMatch(/backfill complete/);
      expect(result.stderr).toMatch(
        /backfill stopped before its first segment \(nothing imported yet\)/,
      );
      expect(result.stderr).toMatch(/HTTP 503.*gave up after 3 tries/);
      expect(result.stderr).toMatch(/What to do: Check that ZITADEL_API_URL is reachable/);
      expect(result.stderr).toMatch(/run `npm run sync:backfill` again/);
    } finally {
      proxy.clear();
    }
  });

  it('backfill imports every user of a dense history, counting users created', async () => {
    const result = await command('src/cli/sync-backfill.ts');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /backfill complete: \d+ events read, \d+ applied, 2400 users created, 0 updated, 2100 users from ListUsers snapshots/,
    );
    expect(result.stderr).toMatch(/holds \d+ events and 2100 users read through ListUsers/);
    const report = await presence(database.handle.db, expected);
    expect(report.missing).toEqual([]);
    expect(report.present).toBe(2400);
  });

  it('drift, by events and by ListUsers, finds nothing after it', async () => {
    const result = await command('src/cli/sync-drift.ts', ['--list-users', '--exit-code']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /ZITADEL users \(from events and 2100 ListUsers snapshots\): 2400/,
    );
    expect(result.stdout).toMatch(/ZITADEL users \(ListUsers, current state\): 2400/);
    expect(result.stdout).toMatch(/no drift/);
  });

  it('backfill after an update counts the user as updated', async () => {
    const [first] = expected;
    await idp.dev('PATCH', `/users/${first?.id}`, { familyName: 'Renamed' });
    const result = await command('src/cli/sync-backfill.ts');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/0 users created, 1 updated/);
    const drift = await command('src/cli/sync-drift.ts', ['--list-users', '--exit-code']);
    expect(drift.stdout).toMatch(/no drift/);
  });

  it('Ctrl-C while a page is on its way: exit 130, "interrupted", and nothing claimed', async () => {
    proxy.inject('hang');
    const served = proxy.faultsServed();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/sync-backfill.ts'], {
      cwd: backendDir,
      env: commandEnv(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = once(child, 'exit');
    await vi.waitFor(() => expect(proxy.faultsServed()).toBeGreaterThan(served), {
      timeout: 60_000,
      interval: 50,
    });
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code, stderr).toBe(130);
    expect(stdout).toMatch(/backfill interrupted at \S+Z: .*\nRun it again to resume from there\./);
    expect(stdout).not.toMatch(/backfill complete/);
  });
});
