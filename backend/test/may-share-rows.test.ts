import { describe, expect, it } from 'vitest';
import { mayShareRows } from '../src/reconciler/may-share-rows';
import type { Segment } from '../src/reconciler/read-event-segments';

const segment = (events: [type: string, id: string][], snapshots: string[] = []): Segment =>
  ({
    events: events.map(([aggregateType, aggregateId]) => ({ aggregateType, aggregateId })),
    snapshots: snapshots.map((zitadelUserId) => ({ zitadelUserId })),
    through: 0,
    caughtUp: false,
  }) as unknown as Segment;

// The sync lets two segments apply at once only when they cannot write the same row
// (sync-events.ts): a wrong "no" here is a deadlock Postgres cannot see.
describe('mayShareRows', () => {
  it('is false for segments about different users', () => {
    expect(mayShareRows(segment([['user', 'a']]), segment([['user', 'b']], ['c']))).toBe(false);
  });

  it('is true when a user is in both, by event or by ListUsers snapshot', () => {
    expect(mayShareRows(segment([['user', 'a']]), segment([['user', 'a']]))).toBe(true);
    expect(mayShareRows(segment([], ['a']), segment([['user', 'a']]))).toBe(true);
    expect(mayShareRows(segment([['user', 'a']]), segment([], ['a']))).toBe(true);
  });

  it('is true when either holds an organisation event, which reaches all its users', () => {
    expect(mayShareRows(segment([['org', 'o']]), segment([['user', 'b']]))).toBe(true);
    expect(mayShareRows(segment([['user', 'a']]), segment([['org', 'o']]))).toBe(true);
  });
});
