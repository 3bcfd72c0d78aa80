/**
 * The state the ZITADEL fake keeps between requests, how a test makes it misbehave, and the
 * answer shapes its API modules share.
 */

/**
 * A parsed JSON body, read field by field the way ZITADEL's handlers would: a request may carry
 * anything, and the fake answers what the real API answers to it.
 */
// biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON from the client under test
export type Json = any;

export interface RecordedRequest {
  method: string;
  path: string;
  body: Json;
}

export interface Failure {
  method: string;
  path: string | RegExp;
  status: number;
  body: unknown;
  times?: number;
}

/** A status and JSON body: what one of the fake's API modules answers, if the route is its. */
export interface Answer {
  status: number;
  body: unknown;
}

export const answer = (status: number, body: unknown): Answer => ({ status, body });

export function createFakeState() {
  const ids = { next: 336500000000000100n };
  const now = () => new Date().toISOString();
  const state = {
    projects: [] as Array<Record<string, Json>>,
    apps: [] as Array<Record<string, Json>>,
    targets: [] as Array<Record<string, Json>>,
    executions: [] as Array<{ condition: Json; targets: string[] }>,
    /** Machine users created through the API. */
    users: [] as Array<Record<string, Json>>,
    /** Instance (IAM) members. */
    members: [] as Array<{ userId: string; roles: string[] }>,
    /** Personal access tokens → the machine user they sign in as. */
    pats: new Map<string, string>(),
    privacyPolicy: {
      tosLink: 'https://zitadel.com/docs/legal/terms-of-service',
      privacyLink: 'https://zitadel.com/docs/legal/policies/privacy-policy',
      helpLink: '',
      supportEmail: '',
      docsLink: 'https://zitadel.com/docs',
      customLink: '',
      customLinkText: '',
    } as Record<string, Json>,
  };
  const behavior = {
    /** Answer the discovery document with 503 this many more times. */
    discoveryUnavailable: 0,
    /** Refuse the PAT with 401 this many more times. */
    tokenRefused: 0,
    /** Do not list signing keys of targets (as a version that hides them would). */
    hideSigningKeys: false,
    failures: [] as Failure[],
  };
  return {
    state,
    behavior,
    ids,
    newId: () => String(ids.next++),
    now,
    details: () => ({
      sequence: '1',
      creationDate: now(),
      changeDate: now(),
      resourceOwner: '336392597046099971',
    }),
  };
}

export type FakeState = ReturnType<typeof createFakeState>;
