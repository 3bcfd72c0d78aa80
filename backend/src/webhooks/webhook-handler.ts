import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDatabaseUnavailable } from '../db/is-database-unavailable';
import type { Database } from '../db/open-database';
import { BodyTooLargeError, readLimitedBody } from '../http/read-limited-body';
import type { Logger } from '../logger';
import type { Metrics } from '../observability/metrics';
import { applyIdentityEvent } from '../provisioning/apply-identity-event';
import { applyOrgRemovals, isOrgRemoval } from '../provisioning/remove-users';
import { InvalidEventError, parseWebhookEvent } from './parse-webhook-event';
import { verifySignature } from './verify-signature';

/** ZITADEL user events are a few hundred bytes; this leaves room and stops abuse early. */
export const MAX_WEBHOOK_BYTES = 64 * 1024;

export interface WebhookDeps {
  db: Database;
  signingKeys: readonly string[];
  logger: Logger;
  metrics: Metrics;
}

/**
 * `POST /webhooks/zitadel`: an Actions v2 event target. Verifies the signature on the raw bytes,
 * then applies the event through the same provisioning module as every other path. ZITADEL never
 * retries, so a failure here is logged and left to the reconciler.
 */
export function createWebhookHandler(deps: WebhookDeps) {
  const reply = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const reject = (res: ServerResponse, status: number, reason: string, message: string) => {
    deps.metrics.webhookRejections.inc({ reason });
    deps.logger.warn({ reason }, 'webhook rejected');
    reply(res, status, { error: reason, message });
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    let rawBody: Buffer;
    try {
      rawBody = await readLimitedBody(req, MAX_WEBHOOK_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        return reject(res, 413, 'too_large', error.message);
      }
      return reject(res, 400, 'unreadable', 'request body could not be read');
    }
    const header = req.headers['zitadel-signature'];
    const check = verifySignature(
      Array.isArray(header) ? header.join(',') : header,
      rawBody,
      deps.signingKeys,
    );
    if (!check.ok) {
      return reject(res, 401, `signature_${check.reason}`, `signature ${check.reason}`);
    }

    let event: ReturnType<typeof parseWebhookEvent>;
    try {
      event = parseWebhookEvent(rawBody);
    } catch (error) {
      if (error instanceof InvalidEventError)
        return reject(res, 400, 'invalid_event', error.message);
      throw error;
    }

    try {
      if (isOrgRemoval(event)) {
        // ZITADEL writes no event per user when it removes an organisation.
        const removed = await applyOrgRemovals(deps.db, [event], 'webhook');
        deps.metrics.eventsApplied.inc({ source: 'webhook', outcome: 'applied' });
        deps.logger.info(
          { eventType: event.eventType, orgId: event.aggregateId, usersRemoved: removed.length },
          'webhook event: organisation removed',
        );
        reply(res, 200, { outcome: 'applied', usersRemoved: removed.length });
        return;
      }
      const result = await applyIdentityEvent(deps.db, event, 'webhook');
      deps.metrics.eventsApplied.inc({ source: 'webhook', outcome: result.outcome });
      if (result.outcome === 'applied') {
        deps.metrics.provisioningLag.observe(
          { source: 'webhook' },
          Math.max(0, (Date.now() - Date.parse(event.createdAt)) / 1000),
        );
      }
      if (result.inserted) deps.metrics.usersProvisioned.inc({ source: 'webhook' });
      deps.logger.info(
        {
          eventType: event.eventType,
          aggregateId: event.aggregateId,
          sequence: event.sequence,
          outcome: result.outcome,
        },
        'webhook event',
      );
      reply(res, 200, { outcome: result.outcome });
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        deps.logger.warn({ err: error }, 'webhook event not applied: database unavailable');
        reply(res, 503, { error: 'unavailable', message: 'database unavailable' });
        return;
      }
      deps.logger.error({ err: error }, 'webhook event failed');
      reply(res, 500, { error: 'internal' });
    }
  };
}
