import { createHmac } from 'node:crypto';
import type { LoggedEvent } from './event-log';

/**
 * Actions v2 style event delivery: every appended user event is POSTed to every configured target,
 * signed like ZITADEL (`ZITADEL-Signature: t=<unix>,v1=<hex hmac-sha256("<t>.<body>")>`). Like
 * ZITADEL there are no retries: a failed delivery is logged and dropped, and consumers are expected
 * to reconcile from the Event API.
 */

export const SIGNATURE_HEADER = 'ZITADEL-Signature';
const DEFAULT_TIMEOUT_MS = 10_000;

/** The request body ZITADEL v4 sends for an event execution (payload as a JSON object, not base64). */
export function buildWebhookBody(event: LoggedEvent): string {
  return JSON.stringify({
    aggregateID: event.aggregateId,
    aggregateType: event.aggregateType,
    resourceOwner: event.resourceOwner,
    instanceID: event.instanceId,
    version: 'v2',
    sequence: event.sequence,
    event_type: event.type,
    created_at: event.creationDate,
    userID: event.editor.userId,
    ...(event.payload ? { event_payload: event.payload } : {}),
  });
}

export function computeSignature(body: string, signingKey: string, unixSeconds: number): string {
  const mac = createHmac('sha256', Buffer.from(signingKey, 'utf8'))
    .update(`${unixSeconds}.${body}`)
    .digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Target URLs without query or credentials, for log lines. */
function describeTarget(target: string): string {
  const url = URL.parse(target);
  return url ? `${url.origin}${url.pathname}` : '<invalid url>';
}

export function parseTargets(targets: readonly string[]): string[] {
  return targets.map((target) => {
    const url = URL.parse(target.trim());
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new Error(`webhook target is not an http(s) URL: ${describeTarget(target)}`);
    }
    return url.href;
  });
}

export interface WebhookDispatcherOptions {
  targets: readonly string[];
  signingKey: string;
  timeoutMs?: number;
  log: (line: string) => void;
}

export interface WebhookDispatcher {
  readonly targets: readonly string[];
  readonly signingKey: string;
  setTargets(targets: readonly string[]): void;
  /** Starts delivery in the background; never throws and never delays the caller. */
  dispatch(event: LoggedEvent): void;
  /** Resolves once every delivery started so far has finished (succeeded or been dropped). */
  idle(): Promise<void>;
}

export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { signingKey, log } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let targets = parseTargets(options.targets);
  const inFlight = new Set<Promise<void>>();

  async function deliver(target: string, body: string, event: LoggedEvent): Promise<void> {
    const signature = computeSignature(body, signingKey, Math.floor(Date.now() / 1000));
    const what = `${event.type} #${event.sequence} of ${event.aggregateId} to ${describeTarget(target)}`;
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: signature },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status < 200 || response.status > 299) {
        log(`webhook delivery of ${what} failed: HTTP ${response.status}; dropped (no retries)`);
      }
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `timed out after ${timeoutMs} ms`
          : (error as Error).message;
      log(`webhook delivery of ${what} failed: ${reason}; dropped (no retries)`);
    }
  }

  return {
    get targets() {
      return [...targets];
    },
    signingKey,
    setTargets(next) {
      targets = parseTargets(next);
    },
    dispatch(event) {
      if (targets.length === 0) return;
      const body = buildWebhookBody(event);
      for (const target of targets) {
        const delivery = deliver(target, body, event).finally(() => inFlight.delete(delivery));
        inFlight.add(delivery);
      }
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
