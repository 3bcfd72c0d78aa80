import { z } from 'zod';
import { HUMAN_CREATING_METHODS, type PeopleOf } from './human-creating-methods';

export class InvalidActionBodyError extends Error {
  override name = 'InvalidActionBodyError';
}

function parseJson<T>(rawBody: Buffer, schema: z.ZodType<T>, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new InvalidActionBodyError('body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    // Only the path and the rule: never a value, the body may hold a plaintext password.
    const issue = parsed.error.issues[0];
    throw new InvalidActionBodyError(
      `invalid ${what}: ${issue?.path.join('.') || 'body'} ${issue?.code ?? ''}`.trim(),
    );
  }
  return parsed.data;
}

/**
 * A request execution's body (ZITADEL `internal/api/grpc/server/connect_middleware/
 * execution_interceptor.go`, ContextInfoRequest): `{fullMethod, instanceID, orgID, projectID,
 * userID, request, headers}`, `request` being the call's message as protojson. Which fields of
 * `request` name the people it creates depends on the method (human-creating-methods.ts). The
 * message may carry a password in plain text, which is read by nobody here and kept nowhere.
 */
const requestExecutionSchema = z.object({
  fullMethod: z.string().optional(),
  request: z.object({}).passthrough(),
});

export interface HumanCreationCall {
  fullMethod: string | undefined;
  /** The people the call would create, or why they cannot be read (unknown method, a file). */
  people: PeopleOf;
}

export function parseHumanCreationCall(rawBody: Buffer): HumanCreationCall {
  const body = parseJson(rawBody, requestExecutionSchema, 'request execution');
  const method =
    body.fullMethod === undefined ? undefined : HUMAN_CREATING_METHODS[body.fullMethod];
  return {
    fullMethod: body.fullMethod,
    people: method
      ? method.read(body.request)
      : { unjudgeable: 'the method is not one the signup policy knows' },
  };
}

/**
 * A function execution's body (ZITADEL `internal/api/oidc/userinfo.go`, ContextInfo): `function`,
 * `userinfo` (the OIDC claims so far), `user` (`internal/query/user.go` User, snake_case JSON),
 * `user_metadata`, `org`, `user_grants`, `application{client_id}` and, for token exchange,
 * `actor`. Only what identifies and describes the person is read.
 */
const contextInfoSchema = z.object({
  function: z.string().optional(),
  userinfo: z
    .object({
      sub: z.string().optional(),
      email: z.string().optional(),
      email_verified: z.boolean().optional(),
      name: z.string().optional(),
      given_name: z.string().optional(),
      family_name: z.string().optional(),
      preferred_username: z.string().optional(),
    })
    .optional(),
  user: z
    .object({
      id: z.string().optional(),
      // The user projection's sequence: the user's newest event it has applied (uint64, a JSON
      // number; omitted when 0). The profile below is ZITADEL's as of that event.
      sequence: z.number().int().nonnegative().optional(),
      username: z.string().optional(),
      preferred_login_name: z.string().optional(),
      human: z
        .object({
          first_name: z.string().optional(),
          last_name: z.string().optional(),
          display_name: z.string().optional(),
          email: z.string().optional(),
          is_email_verified: z.boolean().optional(),
        })
        .optional(),
      machine: z.object({}).passthrough().optional(),
    })
    .optional(),
  application: z.object({ client_id: z.string().optional() }).optional(),
});

export interface FunctionCall {
  function: string | undefined;
  clientId: string | undefined;
  zitadelUserId: string;
  /** How fresh `person` is (ZITADEL's `user.sequence`); 0 when the body does not say. */
  sequence: number;
  /** Undefined for a machine user (no `human`): it is not an app user. */
  person:
    | {
        email: string | null;
        emailVerified: boolean;
        displayName: string;
        givenName: string;
        familyName: string;
      }
    | undefined;
}

export function parseFunctionCall(rawBody: Buffer): FunctionCall {
  const body = parseJson(rawBody, contextInfoSchema, 'function context');
  const zitadelUserId = body.user?.id || body.userinfo?.sub;
  if (!zitadelUserId || zitadelUserId.length > 200) {
    throw new InvalidActionBodyError('invalid function context: user.id missing');
  }
  const human = body.user?.human;
  const info = body.userinfo;
  const machine = body.user?.machine !== undefined || (body.user !== undefined && !human);
  const givenName = human?.first_name ?? info?.given_name ?? '';
  const familyName = human?.last_name ?? info?.family_name ?? '';
  const email = human?.email ?? info?.email ?? null;
  return {
    function: body.function,
    clientId: body.application?.client_id,
    zitadelUserId,
    sequence: body.user?.sequence ?? 0,
    person: machine
      ? undefined
      : {
          email,
          emailVerified: human?.is_email_verified ?? info?.email_verified ?? false,
          displayName:
            human?.display_name ||
            info?.name ||
            `${givenName} ${familyName}`.trim() ||
            body.user?.preferred_login_name ||
            email ||
            '',
          givenName,
          familyName,
        },
  };
}
