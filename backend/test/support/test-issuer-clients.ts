/** The clients, project and profiles the test issuer answers for (test-issuer.ts re-exports them). */
export interface TestUserinfo {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
}

/** The SPA's client id: the one OIDC_CLIENT_IDS lists in tests. */
export const TEST_CLIENT_ID = 'spa-client';
/** Another app of the same project: its tokens carry the project in `aud` too. */
export const OTHER_CLIENT_ID = 'other-app';
export const PROJECT_ID = 'project-336500000000000100';

/** The API application the backend introspects with (ZITADEL: an API app of the project). */
export const INTROSPECTION_CLIENT = { clientId: 'api-client', clientSecret: 'test-only-secret' };
