/**
 * Makes sure a target is called for each execution condition: the webhook target for event groups
 * (such as `user.human`, every `user.human.*` event) and single events (such as `user.removed`),
 * the restCall targets for a function (`preaccesstoken`) or a request method
 * (`/zitadel.user.v2.UserService/AddHumanUser`). ZITADEL
 * keeps one execution per condition, whose target list SetExecution replaces: targets already
 * there (someone else's) are kept, ours is appended. Conditions that already call the target are
 * only read.
 */

/** @typedef {{ event: { group: string } } | { event: { event: string } }} EventCondition */

/**
 * @param {{ groups: string[], events: string[] }} options
 * @returns {EventCondition[]}
 */
export function eventConditions({ groups, events }) {
  return [
    ...groups.map((group) => ({ event: { group } })),
    ...events.map((event) => ({ event: { event } })),
  ];
}

/**
 * A stable key for a condition as sent or as listed (`{"event":{"group":"user.human"}}`).
 *
 * @param {any} condition
 */
export function conditionKey(condition) {
  const event = condition?.event;
  if (event?.group) return `event group ${event.group}`;
  if (event?.event) return `event ${event.event}`;
  if (event?.all) return 'all events';
  if (condition?.function?.name) return `function ${condition.function.name}`;
  const request = condition?.request;
  if (request?.method) return `request ${request.method}`;
  if (request?.service) return `request service ${request.service}`;
  if (request?.all) return 'all requests';
  return JSON.stringify(condition);
}

/**
 * @param {import('./zitadel-client.js').ZitadelClient} client
 * @param {{
 *   targetId: string,
 *   groups: string[],
 *   events: string[],
 *   log: (line: string) => void,
 * }} options
 * @returns {Promise<{ set: string[], unchanged: string[] }>}
 */
export function ensureExecutions(client, { targetId, groups, events, log }) {
  const executions = eventConditions({ groups, events }).map((condition) => ({
    condition,
    targetId,
  }));
  return ensureExecutionsFor(client, { executions, log });
}

/**
 * Makes sure each condition (event, function or request) calls its target, keeping the targets
 * already there.
 *
 * @param {import('./zitadel-client.js').ZitadelClient} client
 * @param {{
 *   executions: { condition: any, targetId: string }[],
 *   log: (line: string) => void,
 * }} options
 * @returns {Promise<{ set: string[], unchanged: string[] }>}
 */
export async function ensureExecutionsFor(client, { executions, log }) {
  if (executions.length === 0) return { set: [], unchanged: [] };
  const found = await client.post('/v2/actions/executions/search', {
    pagination: { limit: 100 },
    filters: [
      { inConditionsFilter: { conditions: executions.map((execution) => execution.condition) } },
    ],
  });
  /** @type {Map<string, string[]>} */
  const targetsByCondition = new Map();
  for (const execution of found.executions ?? []) {
    // v2 lists target ids; v2beta listed {"target": id} objects.
    const targets = (execution.targets ?? []).map((/** @type {any} */ target) =>
      String(typeof target === 'object' && target !== null ? target.target : target),
    );
    targetsByCondition.set(conditionKey(execution.condition), targets);
  }

  /** @type {string[]} */
  const set = [];
  /** @type {string[]} */
  const unchanged = [];
  for (const { condition, targetId } of executions) {
    const key = conditionKey(condition);
    const current = targetsByCondition.get(key) ?? [];
    if (current.includes(targetId)) {
      unchanged.push(`${key} -> ${targetId}`);
      continue;
    }
    await client.put('/v2/actions/executions', { condition, targets: [...current, targetId] });
    targetsByCondition.set(key, [...current, targetId]);
    set.push(`${key} -> ${targetId}`);
  }
  if (set.length > 0) log(`executions: now calling ${set.join(', ')}`);
  if (unchanged.length > 0) log(`executions: already calling ${unchanged.join(', ')}`);
  return { set, unchanged };
}
