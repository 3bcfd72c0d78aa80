import type { IdentityEvent } from '../provisioning/identity-event';
import { type EventApiClient, MAX_EVENTS_PER_PAGE } from './event-api-client';

/** Every handled event, oldest first, de-duplicated across page boundaries. */
export async function readAllEvents(client: EventApiClient): Promise<IdentityEvent[]> {
  const seen = new Set<string>();
  const events: IdentityEvent[] = [];
  let from = '1970-01-01T00:00:00.000000Z';
  for (;;) {
    const page = await client.search({ from, limit: MAX_EVENTS_PER_PAGE });
    let fresh = 0;
    for (const event of page) {
      const key = `${event.aggregateType}/${event.aggregateId}/${event.sequence}`;
      if (seen.has(key)) continue;
      seen.add(key);
      events.push(event);
      fresh++;
    }
    const last = page.at(-1);
    // `from` is inclusive, so the next page starts at the last date seen and repeats it.
    if (page.length < MAX_EVENTS_PER_PAGE || !last || fresh === 0) break;
    from = last.createdAt;
  }
  return events;
}
