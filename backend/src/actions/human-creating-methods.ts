import { z } from 'zod';

/**
 * Every ZITADEL API method that creates a human user, with where its request (protojson, JSON
 * names in lowerCamelCase, as the execution interceptor marshals it) carries each person's
 * username and email. zitadel-setup registers the signup policy's target as a request execution on
 * each of these (docs/decisions/030); a contract test builds each request with @zitadel/proto and
 * reads it back through this table.
 *
 * Not here: zitadel.resources.user.v3alpha (alpha, schema-defined users, not served by every
 * version: SetExecution refuses a method the instance does not serve), and the system API
 * (AddInstance / CreateInstance create an instance's first owner, outside any instance's
 * executions).
 */

/** One person a request would create, as far as the policy judges them. */
export interface Person {
  username: string | undefined;
  email: string | undefined;
}

/** The request's people, or why they cannot be read (the call is then refused). */
export type PeopleOf = { people: Person[] } | { unjudgeable: string };

const text = z.string().optional();
const email = z.object({ email: text }).optional();
// user.v2 / user.v2beta AddHumanUserRequest (also the `human` of an organisation's admin).
const addHumanUser = z.object({ username: text, email });
// management.v1 AddHumanUserRequest and ImportHumanUserRequest, admin.v1 SetUpOrgRequest.Human.
const v1Human = z.object({ userName: text, email });
const admins = z.object({
  admins: z.array(z.object({ human: addHumanUser.optional() })).optional(),
});
const importOrgs = z
  .object({
    orgs: z
      .array(z.object({ humanUsers: z.array(z.object({ user: v1Human.optional() })).optional() }))
      .optional(),
  })
  .optional();

const fromV2 = (human: z.infer<typeof addHumanUser>): Person => ({
  username: human.username,
  email: human.email?.email,
});
const fromV1 = (human: z.infer<typeof v1Human>): Person => ({
  username: human.userName,
  email: human.email?.email,
});

interface HumanCreatingMethod {
  /** Where ZITADEL defines the request message (github.com/zitadel/zitadel, proto/). */
  proto: string;
  message: string;
  read(request: unknown): PeopleOf;
}

const people = <T>(schema: z.ZodType<T>, pick: (request: T) => Person[]) => ({
  read(request: unknown): PeopleOf {
    const parsed = schema.safeParse(request);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      // Only the path: the request may hold a plaintext password.
      return { unjudgeable: `request.${issue?.path.join('.') ?? ''} is malformed` };
    }
    return { people: pick(parsed.data) };
  },
});

export const HUMAN_CREATING_METHODS: Readonly<Record<string, HumanCreatingMethod>> = {
  // Deprecated, still what Login V2 calls for password, passkey and IdP signups up to v4.16.
  '/zitadel.user.v2.UserService/AddHumanUser': {
    proto: 'proto/zitadel/user/v2/user_service.proto',
    message: 'zitadel.user.v2.AddHumanUserRequest',
    ...people(addHumanUser, (request) => [fromV2(request)]),
  },
  // Its replacement (zitadel/zitadel#12613 moves Login V2 registration to it).
  '/zitadel.user.v2.UserService/CreateUser': {
    proto: 'proto/zitadel/user/v2/user_service.proto',
    message: 'zitadel.user.v2.CreateUserRequest',
    ...people(
      z.object({ username: text, human: z.object({ email }).optional() }),
      // A machine user (`machine`) is nobody's signup.
      (request) =>
        request.human ? [{ username: request.username, email: request.human.email?.email }] : [],
    ),
  },
  '/zitadel.user.v2beta.UserService/AddHumanUser': {
    proto: 'proto/zitadel/user/v2beta/user_service.proto',
    message: 'zitadel.user.v2beta.AddHumanUserRequest',
    ...people(addHumanUser, (request) => [fromV2(request)]),
  },
  '/zitadel.management.v1.ManagementService/AddHumanUser': {
    proto: 'proto/zitadel/management.proto',
    message: 'zitadel.management.v1.AddHumanUserRequest',
    ...people(v1Human, (request) => [fromV1(request)]),
  },
  '/zitadel.management.v1.ManagementService/ImportHumanUser': {
    proto: 'proto/zitadel/management.proto',
    message: 'zitadel.management.v1.ImportHumanUserRequest',
    ...people(v1Human, (request) => [fromV1(request)]),
  },
  '/zitadel.admin.v1.AdminService/SetUpOrg': {
    proto: 'proto/zitadel/admin.proto',
    message: 'zitadel.admin.v1.SetUpOrgRequest',
    ...people(z.object({ human: v1Human.optional() }), (request) =>
      request.human ? [fromV1(request.human)] : [],
    ),
  },
  '/zitadel.admin.v1.AdminService/ImportData': {
    proto: 'proto/zitadel/admin.proto',
    message: 'zitadel.admin.v1.ImportDataRequest',
    read(request: unknown): PeopleOf {
      const parsed = z
        .object({ dataOrgs: importOrgs, dataOrgsv1: importOrgs })
        .passthrough()
        .safeParse(request);
      if (!parsed.success) return { unjudgeable: 'request.dataOrgs is malformed' };
      // data_orgs_local / _s3 / _gcs name a file the policy cannot read.
      const fromFile = Object.keys(parsed.data).filter((key) =>
        /^dataOrgs(v1)?(Local|S3|Gcs)$/.test(key),
      );
      if (fromFile.length > 0) {
        return { unjudgeable: `${fromFile.join(', ')}: an import from a file cannot be checked` };
      }
      const orgs = [...(parsed.data.dataOrgs?.orgs ?? []), ...(parsed.data.dataOrgsv1?.orgs ?? [])];
      return {
        people: orgs.flatMap((org) =>
          (org.humanUsers ?? []).flatMap((human) => (human.user ? [fromV1(human.user)] : [])),
        ),
      };
    },
  },
  '/zitadel.org.v2.OrganizationService/AddOrganization': {
    proto: 'proto/zitadel/org/v2/org_service.proto',
    message: 'zitadel.org.v2.AddOrganizationRequest',
    ...people(admins, (request) =>
      (request.admins ?? []).flatMap((admin) => (admin.human ? [fromV2(admin.human)] : [])),
    ),
  },
  '/zitadel.org.v2beta.OrganizationService/CreateOrganization': {
    proto: 'proto/zitadel/org/v2beta/org_service.proto',
    message: 'zitadel.org.v2beta.CreateOrganizationRequest',
    ...people(admins, (request) =>
      (request.admins ?? []).flatMap((admin) => (admin.human ? [fromV2(admin.human)] : [])),
    ),
  },
};
