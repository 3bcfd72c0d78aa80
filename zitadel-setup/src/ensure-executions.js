/**
 * Makes sure the webhook target is called for each event condition: an event group (such as
 * `user.human`, every `user.human.*` event) or a single event (such as `user.removed`). ZITADEL
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
export async function ensureExecutions(client, { targetId, groups, events, log }) {
  const conditions = eventConditions({ groups, events });
  if (conditions.length === 0) return { set: [], unchanged: [] };
  const found = await client.post('/v2/actions/executions/search', {
    pagination: { limit: 100 },
    filters: [{ inConditionsFilter: { conditions } }],
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
  for (const condition of conditions) {
    const key = conditionKey(condition);
    const current = targetsByCondition.get(key) ?? [];
    if (current.includes(targetId)) {
      unchanged.push(key);
      continue;
    }
    await client.put('/v2/actions/executions', { condition, targets: [...current, targetId] });
    set.push(key);
  }
  if (set.length > 0) log(`executions: target ${targetId} now called on ${set.join(', ')}`);
  if (unchanged.length > 0)
    log(`executions: already calling ${targetId} on ${unchanged.join(', ')}`);
  return { set, unchanged };
}
