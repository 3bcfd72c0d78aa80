import { randomUUID } from 'node:crypto';
import { expect, vi } from 'vitest';
import type { DatabaseHandle } from '../../src/db/open-database';
import { type UserRow, users } from '../../src/db/schema';
import { createLogger } from '../../src/logger';
import {
  createReturningUserCache,
  type ReturningUserCache,
} from '../../src/user/returning-user-cache';
import { newUserId } from './zitadel-events';

/** An active, claimed row: the kind the returning-user cache keeps. */
export async function insertReturningUser(database: DatabaseHandle): Promise<UserRow> {
  const [row] = await database.db
    .insert(users)
    .values({ zitadelUserId: newUserId(), displayName: 'Minnie Mouse', claimId: randomUUID() })
    .returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/**
 * A returning-user cache with an hour's bound on a clock that stands still, once it listens (it
 * keeps nothing before): only announcements and reconnections make it forget.
 */
export async function listeningCache(database: DatabaseHandle): Promise<ReturningUserCache> {
  const cache = createReturningUserCache({
    database,
    logger: createLogger('silent'),
    maxAgeMs: 3_600_000,
    now: () => 1_000_000,
  });
  const probe = await insertReturningUser(database);
  await vi.waitFor(() => {
    cache.remember(probe, cache.beginRead());
    expect(cache.get(probe.zitadelUserId)).toBeDefined();
  });
  return cache;
}
