import type { ConditionJson } from '@zitadel/proto/zitadel/action/v2beta/execution_pb';
import { ensureExecutionsFor } from './ensure-executions';
import { ensureTarget } from './ensure-target';
import type { ZitadelClient } from './zitadel-client';

/**
 * Every ZITADEL method that creates a human user: the signup policy judges each one, through one
 * request execution per method (a request condition names one method, a whole service or all).
 * The same list, with where each request carries the person, is the backend's
 * backend/src/actions/human-creating-methods.ts (a test keeps the two equal; docs/decisions/030).
 * ZITADEL refuses an execution on a method it does not serve (GrpcMethodExisting), so only
 * methods every v4 instance serves are here.
 */
export const HUMAN_CREATING_METHODS = [
  '/zitadel.user.v2.UserService/AddHumanUser',
  '/zitadel.user.v2.UserService/CreateUser',
  '/zitadel.user.v2beta.UserService/AddHumanUser',
  '/zitadel.management.v1.ManagementService/AddHumanUser',
  '/zitadel.management.v1.ManagementService/ImportHumanUser',
  '/zitadel.admin.v1.AdminService/SetUpOrg',
  '/zitadel.admin.v1.AdminService/ImportData',
  '/zitadel.org.v2.OrganizationService/AddOrganization',
  '/zitadel.org.v2beta.OrganizationService/CreateOrganization',
];

/**
 * The backend's Actions v2 restCall targets and the executions that call them
 * (docs/decisions/020-022, 029, 030):
 * - the identity enricher on the functions `preaccesstoken` and `preuserinfo`, with
 *   `interruptOnError: false`: when the backend fails, ZITADEL issues the token without the claim;
 * - the signup policy on every method that creates a human, with `interruptOnError: true`:
 *   without it a refusal would only be logged.
 * Function names as ZITADEL lists them (`domain.ActionFunction` LocalizationKey). Each target has
 * its own signing key, and the backend verifies each target only with its own
 * (`ZITADEL_ACTIONS_<TARGET>_SIGNING_KEYS`): ZITADEL's signature does not cover the path.
 */
export const ACTION_TARGETS: {
  path: string;
  interruptOnError: boolean;
  conditions: ConditionJson[];
}[] = [
  {
    path: 'preaccesstoken',
    interruptOnError: false,
    conditions: [{ function: { name: 'preaccesstoken' } }],
  },
  {
    path: 'preuserinfo',
    interruptOnError: false,
    conditions: [{ function: { name: 'preuserinfo' } }],
  },
  {
    path: 'add-human-user',
    interruptOnError: true,
    conditions: HUMAN_CREATING_METHODS.map((method) => ({ request: { method } })),
  },
];

/** `add-human-user` → `ZITADEL_ACTIONS_ADD_HUMAN_USER`: the backend's variables for a target. */
export const envPrefixOf = (path: string) =>
  `ZITADEL_ACTIONS_${path.toUpperCase().replaceAll('-', '_')}`;

// ZITADEL waits for these while issuing a token or registering a person. The enricher answers in
// milliseconds and gives up on its database after 250 ms; 2 s leaves room for a slow network.
const TIMEOUT = '2s';

export interface ActionTargetFound {
  path: string;
  id: string;
  signingKey: string;
}

export async function ensureActionTargets(
  client: ZitadelClient,
  {
    baseUrl,
    namePrefix,
    previousEnv,
    log,
  }: {
    baseUrl: string;
    namePrefix: string;
    previousEnv: Record<string, string>;
    log: (line: string) => void;
  },
): Promise<{ targets: ActionTargetFound[] }> {
  const targets: ActionTargetFound[] = [];
  for (const [index, target] of ACTION_TARGETS.entries()) {
    const found = await ensureTarget(client, {
      name: `${namePrefix}-${target.path}`,
      endpoint: `${baseUrl}/${target.path}`,
      type: 'restCall',
      interruptOnError: target.interruptOnError,
      timeout: TIMEOUT,
      label: 'action',
      known: knownFor(previousEnv, target.path, index),
      log,
    });
    targets.push({ path: target.path, id: found.id, signingKey: found.signingKey });
  }
  await ensureExecutionsFor(client, {
    executions: ACTION_TARGETS.flatMap((target, index) =>
      target.conditions.map((condition) => ({
        condition,
        targetId: (targets[index] as ActionTargetFound).id,
      })),
    ),
    log,
  });
  return { targets };
}

/**
 * What an earlier run wrote for this target: its own variables, or (a file from before each
 * target had its own) the position in the shared comma lists.
 */
function knownFor(previousEnv: Record<string, string>, path: string, index: number) {
  const prefix = envPrefixOf(path);
  const list = (value: string | undefined) =>
    (value ?? '').split(',').filter((item) => item !== '');
  return {
    targetId:
      previousEnv[`${prefix}_TARGET_ID`] || list(previousEnv.ZITADEL_ACTIONS_TARGET_IDS)[index],
    signingKey:
      list(previousEnv[`${prefix}_SIGNING_KEYS`])[0] ??
      list(previousEnv.ZITADEL_ACTIONS_SIGNING_KEYS)[index],
  };
}
