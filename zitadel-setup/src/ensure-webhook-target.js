import { ensureTarget } from './ensure-target.js';

/**
 * The Actions v2 target for the backend's webhook: `restWebhook` with `interruptOnError: false`.
 * ZITADEL checks the answer's status (so a failing backend shows up in ZITADEL's logs) but a
 * failure never blocks the user's action. See ensure-target.js for drift and signing keys.
 *
 * @param {import('./zitadel-client.js').ZitadelClient} client
 * @param {{
 *   name: string,
 *   endpoint: string,
 *   known?: { targetId?: string | undefined, signingKey?: string | undefined },
 *   log: (line: string) => void,
 * }} options
 * @returns {Promise<import('./ensure-target.js').EnsuredTarget>}
 */
export function ensureWebhookTarget(client, { name, endpoint, known = {}, log }) {
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
