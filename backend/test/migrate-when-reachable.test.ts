import { describe, expect, it } from 'vitest';
import { migrateWhenReachable } from '../src/db/migrate-when-reachable';

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

/** A database whose migrate fails with each of `failures` in turn, then succeeds. */
function scripted(failures: Error[]) {
  const state = { calls: 0 };
  return {
    state,
    database: {
      migrate: async () => {
        const failure = failures[state.calls++];
        if (failure) throw failure;
      },
    },
  };
}

describe('migrations at start-up', () => {
  it('try again while the database cannot be reached, logging each try that failed', async () => {
    const { database, state } = scripted([refused(), refused(), refused()]);
    const retried: number[] = [];
    await migrateWhenReachable(database, {
      onRetry: (attempt) => retried.push(attempt),
      firstWaitMs: 1,
    });
    expect(state.calls).toBe(4);
    expect(retried).toEqual([1, 2, 3]);
  });

  it('give up at once on any other error', async () => {
    const { database, state } = scripted([new Error('relation "users" already exists')]);
    const retried: number[] = [];
    await expect(
      migrateWhenReachable(database, { onRetry: (attempt) => retried.push(attempt) }),
    ).rejects.toThrow(/already exists/);
    expect(state.calls).toBe(1);
    expect(retried).toEqual([]);
  });

  it('give up once the patience is spent, with the last error', async () => {
    const { database, state } = scripted(Array.from({ length: 100 }, refused));
    await expect(
      migrateWhenReachable(database, { onRetry: () => {}, patienceMs: -1 }),
    ).rejects.toThrow(/ECONNREFUSED/);
    expect(state.calls).toBe(1);
  });
});
