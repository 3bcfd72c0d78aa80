import { type EnsuredTarget, ensureTarget } from './ensure-target';
import type { ZitadelClient } from './zitadel-client';

/**
 * The Actions v2 target for the backend's webhook: `restWebhook` with `interruptOnError: false`.
 * ZITADEL checks the answer's status (so a failing backend shows up in ZITADEL's logs) but a
 * failure never blocks the user's action. See ensure-target.ts for drift and signing keys.
 */
export function ensureWebhookTarget(
  client: ZitadelClient,
  {
    name,
    endpoint,
    known = {},
    log,
  }: {
    name: string;
    endpoint: string;
    known?: { targetId?: string | undefined; signingKey?: string | undefined };
    log: (line: string) => void;
  },
): Promise<EnsuredTarget> {
  return ensureTarget(client, {
    name,
    endpoint,
    type: 'restWebhook',
    interruptOnError: false,
    timeout: '10s',
    label: 'webhook',
    known,
    log,
  });
}
