import { z } from 'zod';
import { HANDLED_EVENT_TYPES, type IdentityEvent } from '../provisioning/identity-event';

/** ZITADEL's maximum page size for the Event API. */
export const MAX_EVENTS_PER_PAGE = 1000;

// `POST /admin/v1/events/_search` response; uint64 values arrive as strings.
const responseSchema = z.object({
  events: z
    .array(
      z.object({
        aggregate: z.object({
          id: z.string(),
          type: z.object({ type: z.string() }),
          resourceOwner: z.string().optional(),
        }),
        sequence: z.union([z.string(), z.number()]),
        creationDate: z.string(),
        payload: z.unknown().optional(),
        type: z.object({ type: z.string() }),
      }),
    )
    .default([]),
});

export interface EventApiClient {
  /** Events with creation date ≥ `from`, oldest first. */
  search(options: { from: string; limit: number }): Promise<IdentityEvent[]>;
}

export class EventApiError extends Error {
  override name = 'EventApiError';
}

export function createEventApiClient(options: {
  apiUrl: string;
  pat: string;
  timeoutMs?: number;
}): EventApiClient {
  const url = `${options.apiUrl.replace(/\/+$/, '')}/admin/v1/events/_search`;
  return {
    async search({ from, limit }) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.pat}`,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: JSON.stringify({
            asc: true,
            limit: Math.min(limit, MAX_EVENTS_PER_PAGE),
            from,
            aggregate_types: ['user'],
            event_types: HANDLED_EVENT_TYPES,
          }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
      } catch (error) {
        throw new EventApiError(`Event API unreachable: ${String(error)}`);
      }
      if (!response.ok) {
        const body = await response.text().catch(() => '');
        let message = body.slice(0, 300);
        try {
          message = (JSON.parse(body) as { message?: string }).message ?? message;
        } catch {
          // not JSON: keep the text
        }
        throw new EventApiError(`Event API answered HTTP ${response.status}: ${message}`);
      }
      const parsed = responseSchema.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success) throw new EventApiError('Event API response is malformed');
      return parsed.data.events.map((event) => ({
        aggregateType: event.aggregate.type.type,
        aggregateId: event.aggregate.id,
        sequence: Number(event.sequence),
        eventType: event.type.type,
        resourceOwner: event.aggregate.resourceOwner ?? null,
        createdAt: event.creationDate,
        payload:
          event.payload && typeof event.payload === 'object' && !Array.isArray(event.payload)
            ? (event.payload as Record<string, unknown>)
            : {},
      }));
    },
  };
}
