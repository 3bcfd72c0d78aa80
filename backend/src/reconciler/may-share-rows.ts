import type { Segment } from './read-event-segments';

/**
 * Whether two segments may write the same row. The rows a segment writes are keyed by user
 * (users, the event log, kept events); an organisation's event reaches every user of the
 * organisation, so it may share rows with any segment.
 */
export function mayShareRows(earlier: Segment, later: Segment): boolean {
  const keys = (segment: Segment) => [
    ...segment.events.map((event) => (event.aggregateType === 'user' ? event.aggregateId : null)),
    ...segment.snapshots.map((snapshot) => snapshot.zitadelUserId),
  ];
  const written = new Set(keys(earlier));
  return written.has(null) || keys(later).some((key) => key === null || written.has(key));
}
