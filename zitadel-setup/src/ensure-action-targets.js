import { ensureExecutionsFor } from './ensure-executions.js';
import { ensureTarget } from './ensure-target.js';

/**
 * The backend's Actions v2 restCall targets and the executions that call them
 * (docs/decisions/020-022):
 * - the identity enricher on the functions `preaccesstoken` and `preuserinfo`, with
 *   `interruptOnError: false`: when the backend fails, ZITADEL issues the token without the claim;
 * - the signup policy on the request `/zitadel.user.v2.UserService/AddHumanUser`, with
 *   `interruptOnError: true`: without it a refusal would only be logged.
 * Function names as ZITADEL lists them (`domain.ActionFunction` LocalizationKey). Each target has
 * its own signing key; the backend accepts any of them (ZITADEL_ACTIONS_SIGNING_KEYS).
 */
export const ACTION_TARGETS = [
  {
    path: 'preaccesstoken',
    interruptOnError: false,
    condition: { function: { name: 'preaccesstoken' } },
  },
  {
    path: 'preuserinfo',
    interruptOnError: false,
    condition: { function: { name: 'preuserinfo' } },
  },
  {
    path: 'add-human-user',
    interruptOnError: true,
    condition: { request: { method: '/zitadel.user.v2.UserService/AddHumanUser' } },
  },
];

// ZITADEL waits for these while issuing a token or registering a person. The enricher answers in
// milliseconds and gives up on its database after 250 ms; 2 s leaves room for a slow network.
const TIMEOUT = '2s';

/**
 * @param {import('./zitadel-client.js').ZitadelClient} client
 * @param {{
 *   baseUrl: string,
 *   namePrefix: string,
 *   known: { targetIds: string[], signingKeys: string[] },
 *   log: (line: string) => void,
 * }} options
 * @returns {Promise<{ targetIds: string[], signingKeys: string[] }>}
 */
export async function ensureActionTargets(client, { baseUrl, namePrefix, known, log }) {
  /** @type {string[]} */
  const targetIds = [];
  /** @type {string[]} */
  const signingKeys = [];
  for (const target of ACTION_TARGETS) {
    const found = await ensureTarget(client, {
      name: `${namePrefix}-${target.path}`,
      endpoint: `${baseUrl}/${target.path}`,
      type: 'restCall',
      interruptOnError: target.interruptOnError,
      timeout: TIMEOUT,
      label: 'action',
      known: knownFor(known, targetIds.length),
      log,
    });
    targetIds.push(found.id);
    signingKeys.push(found.signingKey);
  }
  await ensureExecutionsFor(client, {
    executions: ACTION_TARGETS.map((target, index) => ({
      condition: target.condition,
      targetId: /** @type {string} */ (targetIds[index]),
    })),
    log,
  });
  return { targetIds, signingKeys };
}

/**
 * What an earlier run wrote for the target at this position: ids and keys are written as two
 * comma lists in the same order.
 *
 * @param {{ targetIds: string[], signingKeys: string[] }} known
 * @param {number} index
 */
function knownFor(known, index) {
  return { targetId: known.targetIds[index], signingKey: known.signingKeys[index] };
}
