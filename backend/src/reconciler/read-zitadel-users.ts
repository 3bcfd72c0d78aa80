import type { UserFieldWrite } from '../provisioning/upsert-user-fields';
import type { RetryPolicy } from '../zitadel-api/retry-zitadel-calls';
import { snapshotOf } from '../zitadel-api/user-snapshot';
import type { ReadEvent, ZitadelClient } from '../zitadel-api/zitadel-client';
import { foldEvents, type ZitadelUser } from './fold-events';
import { listAllUsers } from './list-all-users';
import { readEventSegments } from './read-event-segments';

/**
 * ZITADEL's users as its whole event history says, read exactly as the reconciler and the backfill
 * read it (ListUsers snapshots where an instant holds more than the Event API can page through).
 */
export async function readUsersFromEvents(
  client: ZitadelClient,
  options: { retry: RetryPolicy; settleMs: number },
): Promise<{ users: Map<string, ZitadelUser>; events: number; snapshots: number }> {
  const events: ReadEvent[] = [];
  const snapshots: UserFieldWrite[] = [];
  for await (const segment of readEventSegments(client, { after: 0, ...options })) {
    events.push(...segment.events);
    snapshots.push(...segment.snapshots);
  }
  return {
    users: foldEvents(events, snapshots),
    events: events.length,
    snapshots: snapshots.length,
  };
}

/** ZITADEL's users as ListUsers shows them now: an independent source (removed users absent). */
export async function readUsersFromListUsers(
  client: ZitadelClient,
  retry: RetryPolicy,
): Promise<Map<string, ZitadelUser>> {
  const listed = await listAllUsers(client, retry);
  return foldEvents(
    [],
    [...listed.values()].flatMap((user) => snapshotOf(user) ?? []),
  );
}
