import { type LocalIdpProcess, startLocalIdpProcess } from '@liverty-music/backend/testing';
import { waitUntil } from '@liverty-music/test-support/wait-until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendChild, type RunningBackend, startBackend } from './support/backend-process';
import { createTally } from './support/fault-tally';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';

// A backend whose reconciler is the only provisioning path (webhook off) is SIGKILLed while
// ZITADEL's stand-in takes 1,000 signups a second, then started again. The second process must
// pick up from the first one's checkpoint and end with every user exactly once, with its fields,
// and say so at /sync/health.
const tally = createTally('reconciler SIGKILLed');
const USERS = 4000;
const PER_SECOND = 1000;
/** The local identity provider's default project id: the backend's OIDC audience. */
const PROJECT_ID = '336500000000000100';

let idp: LocalIdpProcess;
let database: ScratchDatabase;
const running = new Set<BackendChild>();

beforeAll(async () => {
  idp = await startLocalIdpProcess();
  database = await createScratchDatabase();
});
afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await Promise.all([...running].map((child) => child.exited));
  await idp?.close();
  await database?.drop();
});

async function startReconcilingBackend(): Promise<RunningBackend> {
  const backend = await startBackend({
    databaseUrl: database.url,
    issuer: idp.url,
    audience: PROJECT_ID,
    env: {
      ZITADEL_API_URL: idp.url,
      ZITADEL_PAT: idp.pat,
      RECONCILER_INTERVAL_MS: '200',
      RECONCILER_OVERLAP_MS: '2000',
    },
  });
  running.add(backend);
  void backend.exited.then(() => running.delete(backend));
  return backend;
}

async function userCount(): Promise<number> {
  try {
    const [row] = await database.sql<{ n: number }[]>`select count(*)::int as n from users`;
    return row?.n ?? 0;
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return 0;
    throw error;
  }
}

describe('reconciler SIGKILLed during a signup burst, then restarted', () => {
  it('ends with every user exactly once, and reports itself healthy', async () => {
    const first = await startReconcilingBackend();
    const burst = idp.burst({ count: USERS, perSecond: PER_SECOND, emailPrefix: 'killed' });
    const atKill = await waitUntil(
      'the reconciler to have provisioned 800 users while the burst goes on',
      async () => {
        const n = await userCount();
        return n >= 800 ? n : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    first.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = await startReconcilingBackend();
    const written = await burst;
    const burstEnded = Date.now();
    await waitUntil(
      `all ${USERS} users to be provisioned`,
      async () => (await userCount()) >= USERS,
      {
        timeoutMs: 60_000,
        intervalMs: 100,
      },
    );
    // A figure, not a limit: how far the restarted reconciler trailed the burst.
    const catchUpSeconds = (Date.now() - burstEnded) / 1000;

    const rows = await database.sql<
      {
        zitadel_user_id: string;
        email: string | null;
        email_verified: boolean;
        family_name: string;
        state: string;
      }[]
    >`select zitadel_user_id, email, email_verified, family_name, state from users`;
    const byId = new Map(rows.map((row) => [row.zitadel_user_id, row]));
    let missing = 0;
    const wrong: string[] = [];
    written.users.forEach((user, index) => {
      const row = byId.get(user.id);
      if (!row) missing++;
      else if (
        row.email !== user.email ||
        !row.email_verified ||
        row.family_name !== `User ${index}` ||
        row.state !== 'active'
      ) {
        wrong.push(`${user.id}: ${JSON.stringify(row)}`);
      }
    });
    const health = await fetch(`${second.baseUrl}/sync/health`);
    const report = (await health.json()) as { status: string; checkpointAgeSeconds: number };

    tally.accepted(USERS - missing - wrong.length);
    tally.counts.rowsLost += missing;
    tally.counts.rowsExtra += Math.max(0, rows.length - USERS) + wrong.length;
    tally.note(
      `${USERS} signups at ${PER_SECOND}/s; the first backend was SIGKILLed with ${atKill} users provisioned; the second ended with ${rows.length} rows, all present ${catchUpSeconds.toFixed(1)} s after the burst ended, /sync/health ${health.status} ${report.status}`,
    );
    expect(missing).toBe(0);
    expect(wrong.slice(0, 3)).toEqual([]);
    expect(rows).toHaveLength(USERS);
    await waitUntil(
      'the reconciler to report itself caught up',
      async () => {
        const answer = await fetch(`${second.baseUrl}/sync/health`);
        const body = (await answer.json()) as { status: string; checkpointAgeSeconds: number };
        return answer.status === 200 && body.status === 'ok' && body.checkpointAgeSeconds === 0;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(second.errorLines()).toEqual([]);
  }, 150_000);
});
