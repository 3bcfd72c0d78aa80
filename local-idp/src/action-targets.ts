import type { ClaimSet } from './account-claims';
import { callActionTarget, parseJsonObject, TargetCallError } from './call-action-target';
import {
  INSTANCE_ID,
  LOGIN_CLIENT_EDITOR,
  ORG_ID,
  ORG_NAME,
  ORG_PRIMARY_DOMAIN,
} from './fixed-identities';
import { SignupStoppedError } from './signup-stopped';
import { displayName } from './user-account-input';
import type { NewUserInput } from './user-accounts';
import type { User } from './user-store';

/**
 * ZITADEL Actions v2 executions that answer back (restCall targets), called the way ZITADEL calls
 * them (`internal/execution/execution.go`): a signed JSON POST with a timeout; a non-2xx answer, a
 * timeout, or a 2xx JSON with `forwardedStatusCode`/`forwardedErrorMessage` is a failure, which
 * stops the flow only for a target with `interruptOnError`, and is logged otherwise. A 4xx
 * `forwardedStatusCode` reaches the caller with its message. An empty answer changes nothing.
 *
 * - function `preaccesstoken` (JWT access tokens) and `preuserinfo` (the userinfo endpoint): the
 *   body is ZITADEL's ContextInfo and the answer's `append_claims` are merged as ZITADEL merges them
 *   (`internal/api/oidc/userinfo.go`): keys under `urn:zitadel:iam` are dropped, an existing claim
 *   is never overwritten, and each conflict is reported in the action-log claim.
 * - request `/zitadel.user.v2.UserService/AddHumanUser`, which Login V2's registration calls: the
 *   body is ContextInfoRequest with the request as protojson; an answered body replaces the request
 *   whole (`connect_middleware/execution_interceptor.go`, protojson.Unmarshal resets the message).
 */

export const FUNCTION_PRE_ACCESS_TOKEN = 'preaccesstoken';
export const FUNCTION_PRE_USERINFO = 'preuserinfo';
export const ADD_HUMAN_USER_METHOD = '/zitadel.user.v2.UserService/AddHumanUser';
// ZITADEL joins the execution type and the function name with "." (internal/repository/
// execution/aggregate.go ID, domain.ExecutionTypeFunction "function"). v3alpha-era versions sent
// "function/preaccesstoken".
const functionId = (name: string) => `function.${name}`;
// internal/api/oidc: ClaimPrefix and ClaimActionLogFormat.
const RESERVED_CLAIM_PREFIX = 'urn:zitadel:iam';
const actionLogClaim = (functionName: string) =>
  `urn:zitadel:iam:action:${functionId(functionName)}:log`;

export interface ActionTarget {
  url: string;
  /** Stop the flow when the target fails. ZITADEL's default is false. */
  interruptOnError: boolean;
}

export type ActionTargetName = 'preAccessToken' | 'preUserinfo' | 'addHumanUser';

export interface ActionTargetsOptions {
  preAccessToken?: ActionTarget | undefined;
  preUserinfo?: ActionTarget | undefined;
  addHumanUser?: ActionTarget | undefined;
  /** Each target's own HMAC key: ZITADEL's CreateTarget returns one per target. */
  signingKeys: Readonly<Record<ActionTargetName, string>>;
  /** The user's newest event sequence, sent as `user.sequence` (the user projection's). */
  sequenceOf?: ((userId: string) => number | undefined) | undefined;
  /** Per call; ZITADEL requires one on every target. Default 5000 ms. */
  timeoutMs?: number | undefined;
  log: (line: string) => void;
}

interface FunctionContext {
  user: User;
  clientId: string;
}

/** ZITADEL's `query.User` JSON (internal/query/user.go): snake_case, enums as numbers. */
function queryUser(user: User, sequence: number | undefined) {
  return {
    id: user.id,
    creation_date: user.createdAt,
    change_date: user.updatedAt,
    resource_owner: ORG_ID,
    // uint64 with omitempty: absent while 0.
    ...(sequence ? { sequence } : {}),
    state: 1,
    type: 1,
    username: user.email,
    login_names: [user.email],
    preferred_login_name: user.email,
    human: {
      first_name: user.givenName,
      last_name: user.familyName,
      display_name: displayName(user),
      preferred_language: 'en',
      email: user.email,
      is_email_verified: user.emailVerified,
    },
  };
}

function describeTarget(url: string): string {
  const parsed = URL.parse(url);
  return parsed ? `${parsed.origin}${parsed.pathname}` : '<invalid url>';
}

export interface ActionTargets {
  readonly signingKeys: Readonly<Record<ActionTargetName, string>>;
  /** Adds the claims the `preaccesstoken` target answers to a JWT access token's payload. */
  preAccessToken(
    payload: ClaimSet | Record<string, unknown>,
    context: FunctionContext,
  ): Promise<void>;
  /** Adds the claims the `preuserinfo` target answers to a userinfo response. */
  preUserinfo(claims: Record<string, unknown>, context: FunctionContext): Promise<void>;
  /**
   * The AddHumanUser request execution for a self-registration. Resolves with the input to
   * register (the target's replacement, when it answered one). A refusal or a failure of a target
   * with interruptOnError becomes a SignupStoppedError; the target's message goes to the log only.
   */
  addHumanUser(input: NewUserInput): Promise<NewUserInput>;
}

export function createActionTargets(options: ActionTargetsOptions): ActionTargets {
  const timeoutMs = options.timeoutMs ?? 5000;

  async function runFunction(
    name: string,
    targetName: 'preAccessToken' | 'preUserinfo',
    claims: Record<string, unknown>,
    context: FunctionContext & { userinfo: Record<string, unknown> },
  ): Promise<void> {
    const target = options[targetName];
    if (!target) return;
    const body = JSON.stringify({
      function: functionId(name),
      userinfo: context.userinfo,
      user: queryUser(context.user, options.sequenceOf?.(context.user.id)),
      org: { id: ORG_ID, name: ORG_NAME, primary_domain: ORG_PRIMARY_DOMAIN },
      application: { client_id: context.clientId },
    });
    let answer: string;
    try {
      answer = await callActionTarget(target, options.signingKeys[targetName], body, timeoutMs);
    } catch (error) {
      if (!(error instanceof TargetCallError) || target.interruptOnError) throw error;
      options.log(
        `action target ${describeTarget(target.url)} (${functionId(name)}) failed: ${error.message}; continuing without it`,
      );
      return;
    }
    if (answer === '') return;
    const response = parseJsonObject(answer);
    if (!response) {
      if (target.interruptOnError) throw new TargetCallError('answer is not JSON', undefined);
      return;
    }
    const logs: string[] = [];
    for (const claim of Array.isArray(response.append_claims) ? response.append_claims : []) {
      const { key, value } = (claim ?? {}) as { key?: unknown; value?: unknown };
      if (typeof key !== 'string' || key.startsWith(RESERVED_CLAIM_PREFIX)) continue;
      if (claims[key] === undefined || claims[key] === null) claims[key] = value;
      else logs.push(`key "${key}" already exists`);
    }
    for (const line of Array.isArray(response.append_log_claims)
      ? response.append_log_claims
      : []) {
      if (typeof line === 'string') logs.push(line);
    }
    // set_user_metadata: this provider keeps no metadata (README, known differences).
    if (logs.length > 0) claims[actionLogClaim(name)] = logs;
  }

  return {
    signingKeys: options.signingKeys,
    async preAccessToken(payload, context) {
      await runFunction(FUNCTION_PRE_ACCESS_TOKEN, 'preAccessToken', payload, {
        ...context,
        userinfo: { sub: context.user.id },
      });
    },
    async preUserinfo(claims, context) {
      await runFunction(FUNCTION_PRE_USERINFO, 'preUserinfo', claims, {
        ...context,
        userinfo: { ...claims },
      });
    },
    async addHumanUser(input) {
      const target = options.addHumanUser;
      if (!target) return input;
      const request = {
        username: input.email,
        organization: { orgId: ORG_ID },
        profile: { givenName: input.givenName, familyName: input.familyName },
        email: { email: input.email, sendCode: {} },
        password: { password: input.password, changeRequired: false },
      };
      const body = JSON.stringify({
        fullMethod: ADD_HUMAN_USER_METHOD,
        instanceID: INSTANCE_ID,
        orgID: ORG_ID,
        userID: LOGIN_CLIENT_EDITOR.userId,
        request,
        // ZITADEL forwards only these request headers (connect_middleware headersToForward).
        headers: { 'Content-Type': ['application/grpc'] },
      });
      let answer: string;
      try {
        answer = await callActionTarget(target, options.signingKeys.addHumanUser, body, timeoutMs);
      } catch (error) {
        if (!(error instanceof TargetCallError)) throw error;
        const refused = error.forwardedStatus !== undefined;
        // Never the request (it holds the password): only the target and what it answered.
        options.log(
          `action target ${describeTarget(target.url)} (${ADD_HUMAN_USER_METHOD}) ${
            refused ? `refused with ${error.forwardedStatus}` : 'failed'
          }: ${error.message}; ${target.interruptOnError ? 'registration stopped' : 'continuing without it'}`,
        );
        if (!target.interruptOnError) return input;
        throw new SignupStoppedError(refused);
      }
      if (answer === '') return input;
      const replaced = parseJsonObject(answer) as {
        profile?: { givenName?: string; familyName?: string };
        email?: { email?: string };
        password?: { password?: string };
      };
      if (!replaced) {
        options.log(
          `action target ${describeTarget(target.url)} (${ADD_HUMAN_USER_METHOD}) answered a body that is not a JSON object; registration stopped`,
        );
        throw new SignupStoppedError(false);
      }
      return {
        ...input,
        email: replaced.email?.email ?? '',
        givenName: replaced.profile?.givenName ?? '',
        familyName: replaced.profile?.familyName ?? '',
        password: replaced.password?.password ?? '',
      };
    },
  };
}
