import {
  type DescMessage,
  type DescService,
  fromJson,
  type JsonValue,
  toJson,
} from '@bufbuild/protobuf';
import {
  AdminService,
  ImportDataRequestSchema,
  SetUpOrgRequestSchema,
} from '@zitadel/proto/zitadel/admin_pb';
import {
  ImportHumanUserRequestSchema,
  ManagementService,
  AddHumanUserRequestSchema as V1AddHumanUserRequestSchema,
} from '@zitadel/proto/zitadel/management_pb';
import {
  AddOrganizationRequestSchema,
  OrganizationService as OrgV2Service,
} from '@zitadel/proto/zitadel/org/v2/org_service_pb';
import {
  CreateOrganizationRequestSchema,
  OrganizationService as OrgV2betaService,
} from '@zitadel/proto/zitadel/org/v2beta/org_service_pb';
import {
  CreateUserRequestSchema,
  UserService,
  AddHumanUserRequestSchema as V2AddHumanUserRequestSchema,
} from '@zitadel/proto/zitadel/user/v2/user_service_pb';
import {
  UserService as UserV2betaService,
  AddHumanUserRequestSchema as V2betaAddHumanUserRequestSchema,
} from '@zitadel/proto/zitadel/user/v2beta/user_service_pb';
import { describe, expect, it } from 'vitest';
import { UNJUDGEABLE_MESSAGE } from '../src/actions/actions-handler';
import { HUMAN_CREATING_METHODS } from '../src/actions/human-creating-methods';
import { startActionsServer } from './support/action-calls';
import { backendUnderTest } from './support/backend-under-test';

const PASSWORD = 'Plaintext-Secret-42!';

/** `/<package>.<Service>/<Method>`, as ZITADEL's interceptor names a call (`fullMethod`). */
const fullMethod = (service: DescService, method: string) => {
  const found = service.methods.find((candidate) => candidate.name === method);
  if (!found) throw new Error(`${service.typeName} has no method ${method}`);
  return `/${service.typeName}/${found.name}`;
};

/**
 * Every method that creates a human, as @zitadel/proto 1.3 (ZITADEL v4's protos) defines it, with
 * a request that creates the person `username` / `email` — written as protojson, read through the
 * real message schema (an unknown JSON name throws) and written back as ZITADEL's interceptor
 * sends it (protojson.Marshal: lowerCamelCase JSON names).
 */
const METHODS: {
  method: string;
  proto: string;
  schema: DescMessage;
  request: (username: string, email: string) => unknown;
}[] = [
  {
    method: fullMethod(UserService, 'AddHumanUser'),
    proto: 'proto/zitadel/user/v2/user_service.proto',
    schema: V2AddHumanUserRequestSchema,
    request: (username, email) => ({
      username,
      organization: { orgId: '336392597046099971' },
      profile: { givenName: 'Minnie', familyName: 'Mouse' },
      email: { email, sendCode: {} },
      password: { password: PASSWORD },
    }),
  },
  {
    method: fullMethod(UserService, 'CreateUser'),
    proto: 'proto/zitadel/user/v2/user_service.proto',
    schema: CreateUserRequestSchema,
    request: (username, email) => ({
      organizationId: '336392597046099971',
      username,
      human: {
        profile: { givenName: 'Minnie', familyName: 'Mouse' },
        email: { email, isVerified: false },
        password: { password: PASSWORD },
      },
    }),
  },
  {
    method: fullMethod(UserV2betaService, 'AddHumanUser'),
    proto: 'proto/zitadel/user/v2beta/user_service.proto',
    schema: V2betaAddHumanUserRequestSchema,
    request: (username, email) => ({
      username,
      profile: { givenName: 'Minnie', familyName: 'Mouse' },
      email: { email },
      password: { password: PASSWORD },
    }),
  },
  {
    method: fullMethod(ManagementService, 'AddHumanUser'),
    proto: 'proto/zitadel/management.proto',
    schema: V1AddHumanUserRequestSchema,
    request: (userName, email) => ({
      userName,
      profile: { firstName: 'Minnie', lastName: 'Mouse' },
      email: { email, isEmailVerified: false },
      initialPassword: PASSWORD,
    }),
  },
  {
    method: fullMethod(ManagementService, 'ImportHumanUser'),
    proto: 'proto/zitadel/management.proto',
    schema: ImportHumanUserRequestSchema,
    request: (userName, email) => ({
      userName,
      profile: { firstName: 'Minnie', lastName: 'Mouse' },
      email: { email, isEmailVerified: true },
      password: PASSWORD,
    }),
  },
  {
    method: fullMethod(AdminService, 'SetUpOrg'),
    proto: 'proto/zitadel/admin.proto',
    schema: SetUpOrgRequestSchema,
    request: (userName, email) => ({
      org: { name: 'Fans', domain: 'fans.example' },
      human: {
        userName,
        profile: { firstName: 'Minnie', lastName: 'Mouse' },
        email: { email },
        password: PASSWORD,
      },
    }),
  },
  {
    method: fullMethod(AdminService, 'ImportData'),
    proto: 'proto/zitadel/admin.proto',
    schema: ImportDataRequestSchema,
    request: (userName, email) => ({
      dataOrgs: {
        orgs: [
          {
            orgId: '1',
            humanUsers: [
              {
                userId: '2',
                user: {
                  userName: 'someone-else',
                  email: { email: 'ok@example.com' },
                  password: PASSWORD,
                },
              },
              { userId: '3', user: { userName, email: { email }, password: PASSWORD } },
            ],
          },
        ],
      },
      timeout: '10s',
    }),
  },
  {
    method: fullMethod(OrgV2Service, 'AddOrganization'),
    proto: 'proto/zitadel/org/v2/org_service.proto',
    schema: AddOrganizationRequestSchema,
    request: (username, email) => ({
      name: 'Fans',
      admins: [
        { userId: '336392597046755331' },
        {
          human: {
            username,
            profile: { givenName: 'Minnie', familyName: 'Mouse' },
            email: { email },
            password: { password: PASSWORD },
          },
        },
      ],
    }),
  },
  {
    method: fullMethod(OrgV2betaService, 'CreateOrganization'),
    proto: 'proto/zitadel/org/v2beta/org_service.proto',
    schema: CreateOrganizationRequestSchema,
    request: (username, email) => ({
      name: 'Fans',
      admins: [
        {
          human: {
            username,
            profile: { givenName: 'Minnie', familyName: 'Mouse' },
            email: { email },
          },
        },
      ],
    }),
  },
];

/** ContextInfoRequest (connect_middleware/execution_interceptor.go) around the request. */
const executionBody = (method: string, request: JsonValue) =>
  JSON.stringify({
    fullMethod: method,
    instanceID: '336392597046034435',
    orgID: '336392597046099971',
    projectID: '',
    userID: '336392597046755331',
    request,
    headers: { 'Content-Type': ['application/grpc'] },
  });

describe('every ZITADEL method that creates a human is judged by the signup policy', () => {
  const backend = backendUnderTest({ kind: 'pglite', start: startActionsServer });

  it('lists exactly these methods, each with the proto file that defines its request', () => {
    expect(
      Object.fromEntries(
        Object.entries(HUMAN_CREATING_METHODS).map(([method, { proto }]) => [method, proto]),
      ),
    ).toEqual(Object.fromEntries(METHODS.map(({ method, proto }) => [method, proto])));
  });

  const call = async (method: string, schema: DescMessage, request: unknown) => {
    // Through the real schema and back: the body carries protojson, as ZITADEL sends it.
    const wire = toJson(schema, fromJson(schema, request as JsonValue));
    const response = await backend.server.call('add-human-user', executionBody(method, wire));
    expect(response.status).toBe(200);
    return response.text();
  };

  describe.each(METHODS)('$method', ({ method, schema, request }) => {
    it('refuses a reserved username, a reserved mailbox and a blocked domain', async () => {
      for (const [username, email, message] of [
        ['adm1n', 'minnie@example.com', /reserved/],
        ['minnie', 'a.d.m.i.n@example.com', /reserved/],
        ['minnie', 'minnie@mailinator.com.', /domain/],
        ['minnie', 'minnie@example.com\u200B', /invisible/],
      ] as const) {
        const answer = await call(method, schema, request(username, email));
        expect(JSON.parse(answer)).toEqual({
          forwardedStatusCode: 400,
          forwardedErrorMessage: expect.stringMatching(message),
        });
        expect(answer).not.toContain(PASSWORD);
      }
    });

    it('lets an ordinary person through with an empty answer', async () => {
      expect(await call(method, schema, request('minnie', 'minnie@example.com'))).toBe('');
    });
  });

  it('lets CreateUser of a machine user through: nobody signs up', async () => {
    const answer = await call(fullMethod(UserService, 'CreateUser'), CreateUserRequestSchema, {
      organizationId: '1',
      username: 'admin',
      machine: { name: 'a service' },
    });
    expect(answer).toBe('');
  });

  it('refuses what it cannot read: an import from a file, an unknown method, a malformed request', async () => {
    const tries = [
      executionBody(
        fullMethod(AdminService, 'ImportData'),
        toJson(
          ImportDataRequestSchema,
          fromJson(ImportDataRequestSchema, { dataOrgsGcs: { bucket: 'b', path: 'p' } }),
        ),
      ),
      executionBody('/zitadel.user.v2.UserService/UpdateHumanUser', { userId: '1' }),
      executionBody(fullMethod(UserService, 'AddHumanUser'), { username: 7, email: 'x' }),
    ];
    for (const body of tries) {
      const response = await backend.server.call('add-human-user', body);
      expect(await response.json()).toEqual({
        forwardedStatusCode: 400,
        forwardedErrorMessage: UNJUDGEABLE_MESSAGE,
      });
    }
    expect(backend.server.logs.join('\n')).toMatch(/an import from a file cannot be checked/);
  });
});
