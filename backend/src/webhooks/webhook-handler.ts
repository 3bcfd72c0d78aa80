import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDatabaseUnavailable } from '../db/is-database-unavailable';
import type { Database } from '../db/open-database';
import type { Metrics } from '../observability/metrics';
import type { Logger } from '../logger';
import { applyIdentityEvent } from '../provisioning/apply-identity-event';
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

export class BodyTooLargeError extends Error {}

/** The raw request body, refused past `limit` bytes. Shared by the Actions v2 targets. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLargeError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
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
      rawBody = await readBody(req, MAX_WEBHOOK_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        return reject(res, 413, 'too_large', `body exceeds ${MAX_WEBHOOK_BYTES} bytes`);
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
