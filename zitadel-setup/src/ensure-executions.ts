/**
 * Makes sure a target is called for each execution condition: the webhook target for event groups
 * (such as `user.human`, every `user.human.*` event) and single events (such as `user.removed`),
 * the restCall targets for a function (`preaccesstoken`) or a request method
 * (`/zitadel.user.v2.UserService/AddHumanUser`). ZITADEL
 * keeps one execution per condition, whose target list SetExecution replaces: targets already
 * there (someone else's) are kept, ours is appended. Conditions that already call the target are
 * only read.
 *
 * Bodies: `@zitadel/proto` 1.3.1 ships the action API as v2beta; v2 (`/v2/actions/...`, what this
 * step calls) has the same field names for conditions, executions and their search.
 */

import type {
  ListExecutionsRequestJson,
  ListExecutionsResponseJson,
  SetExecutionRequestJson,
} from '@zitadel/proto/zitadel/action/v2beta/action_service_pb';
import type {
  ConditionJson,
  ExecutionJson,
} from '@zitadel/proto/zitadel/action/v2beta/execution_pb';
import type { ZitadelClient } from './zitadel-client';

export function eventConditions({
  groups,
  events,
}: {
  groups: string[];
  events: string[];
}): ConditionJson[] {
  return [
    ...groups.map((group) => ({ event: { group } })),
    ...events.map((event) => ({ event: { event } })),
  ];
}

/**
 * A stable key for a condition as sent or as listed (`{"event":{"group":"user.human"}}`).
 */
export function conditionKey(condition: ConditionJson | undefined): string {
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

export interface ExecutionsEnsured {
  set: string[];
  unchanged: string[];
}

export function ensureExecutions(
  client: ZitadelClient,
  {
    targetId,
    groups,
    events,
    log,
  }: { targetId: string; groups: string[]; events: string[]; log: (line: string) => void },
): Promise<ExecutionsEnsured> {
  const executions = eventConditions({ groups, events }).map((condition) => ({
    condition,
    targetId,
  }));
  return ensureExecutionsFor(client, { executions, log });
}

/**
 * Makes sure each condition (event, function or request) calls its target, keeping the targets
 * already there.
 */
export async function ensureExecutionsFor(
  client: ZitadelClient,
  {
    executions,
    log,
  }: {
    executions: { condition: ConditionJson; targetId: string }[];
    log: (line: string) => void;
  },
): Promise<ExecutionsEnsured> {
  if (executions.length === 0) return { set: [], unchanged: [] };
  const found = await client.post<ListExecutionsResponseJson>('/v2/actions/executions/search', {
    pagination: { limit: 100 },
    filters: [
      { inConditionsFilter: { conditions: executions.map((execution) => execution.condition) } },
    ],
  } satisfies ListExecutionsRequestJson);
  const targetsByCondition = new Map<string, string[]>();
  for (const execution of found.executions ?? []) {
    // v2 lists target ids; v2beta listed {"target": id} objects.
    const listed: ListedTarget[] = (execution as ListedExecution).targets ?? [];
    const targets = listed.map((target) =>
      String(typeof target === 'object' && target !== null ? target.target : target),
    );
    targetsByCondition.set(conditionKey(execution.condition), targets);
  }

  const set: string[] = [];
  const unchanged: string[] = [];
  for (const { condition, targetId } of executions) {
    const key = conditionKey(condition);
    const current = targetsByCondition.get(key) ?? [];
    if (current.includes(targetId)) {
      unchanged.push(`${key} -> ${targetId}`);
      continue;
    }
    await client.put('/v2/actions/executions', {
      condition,
      targets: [...current, targetId],
    } satisfies SetExecutionRequestJson);
    targetsByCondition.set(key, [...current, targetId]);
    set.push(`${key} -> ${targetId}`);
  }
  if (set.length > 0) log(`executions: now calling ${set.join(', ')}`);
  if (unchanged.length > 0) log(`executions: already calling ${unchanged.join(', ')}`);
  return { set, unchanged };
}

/** A listed target: an id (v2), or an older `{"target": id}` object (early v2beta). */
type ListedTarget = string | { target?: string } | null;
type ListedExecution = Omit<ExecutionJson, 'targets'> & { targets?: ListedTarget[] };
