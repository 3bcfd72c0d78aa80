import { z } from 'zod';
import { type IdentityEvent, whyInvalid } from '../provisioning/identity-event';

// Actions v2 event body. ZITADEL marks every field omitempty; these are the ones we need.
const bodySchema = z.object({
  aggregateID: z.string().min(1),
  aggregateType: z.string().min(1),
  resourceOwner: z.string().optional(),
  sequence: z.number().int().positive(),
  event_type: z.string().min(1),
  created_at: z.iso.datetime({ offset: true }),
  // A JSON object in ZITADEL v4; a base64 string of that JSON in v3.
  event_payload: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
});

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

export function parseWebhookEvent(rawBody: Buffer): IdentityEvent {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new InvalidEventError('body is not JSON');
  }
  const parsed = bodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidEventError(
      `invalid event: ${issue?.path.join('.') || 'body'} ${issue?.message ?? ''}`.trim(),
    );
  }
  const body = parsed.data;
  const event: IdentityEvent = {
    aggregateType: body.aggregateType,
    aggregateId: body.aggregateID,
    sequence: body.sequence,
    eventType: body.event_type,
    resourceOwner: body.resourceOwner ?? null,
    createdAt: body.created_at,
    payload: decodePayload(body.event_payload),
  };
  const invalid = whyInvalid(event);
  if (invalid) throw new InvalidEventError(`invalid event: ${invalid}`);
  return event;
}

function decodePayload(
  payload: Record<string, unknown> | string | undefined,
): Record<string, unknown> {
  if (payload === undefined) return {};
  if (typeof payload !== 'string') return payload;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
    if (decoded && typeof decoded === 'object' && !Array.isArray(decoded)) {
      return decoded as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  throw new InvalidEventError('invalid event: event_payload is neither an object nor base64 JSON');
}
