import type { UserState as AppUserState } from '../db/schema';

/** A ListUsers user in the terms the app keeps: what a snapshot writes. */
export interface ListedUser {
  userId: string;
  /** `details.sequence`: the user's newest event the projection holds. */
  sequence: number;
  orgId: string | null;
  state: AppUserState;
  /** Undefined for a machine user. */
  human?: {
    email: string | null;
    emailVerified: boolean;
    givenName: string;
    familyName: string;
    displayName: string;
  };
}

export interface ListedPage {
  /** `details.totalResult`: every user the query matches, across all pages. */
  totalResult: number;
  users: ListedUser[];
}

// zitadel.user.v2.UserState in its JSON mapping (enum names), and the app's states. An initial
// user has no password yet: the app treats it like user.human.added does.
const STATES: Record<string, AppUserState> = {
  USER_STATE_UNSPECIFIED: 'active',
  USER_STATE_ACTIVE: 'active',
  USER_STATE_INITIAL: 'active',
  USER_STATE_INACTIVE: 'inactive',
  USER_STATE_LOCKED: 'locked',
  USER_STATE_DELETED: 'removed',
};
// The same enum by number (protobuf JSON parsers accept both).
// UNSPECIFIED 0, ACTIVE 1, INACTIVE 2, DELETED 3, LOCKED 4, INITIAL 5 (zitadel/user/v2/user.proto).
const STATE_NUMBERS: AppUserState[] = [
  'active',
  'active',
  'inactive',
  'removed',
  'locked',
  'active',
];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
// uint64 in proto JSON: a decimal string (or a number).
const uint64 = (value: unknown): number =>
  typeof value === 'number'
    ? value
    : typeof value === 'string' && /^\d+$/.test(value)
      ? Number(value)
      : Number.NaN;

/**
 * A ListUsers answer (zitadel.user.v2.ListUsersResponse, JSON mapping), checked field by field
 * rather than through protobuf-es' fromJson, which costs more than writing the page (a sweep reads
 * every user). Throws `why` for anything that is not that message's shape.
 */
export function parseListedUsers(json: unknown, malformed: (why: string) => Error): ListedPage {
  if (!isObject(json)) throw malformed('not a JSON object');
  const details = json.details ?? {};
  if (!isObject(details)) throw malformed('`details` is not an object');
  const totalResult = details.totalResult === undefined ? 0 : uint64(details.totalResult);
  if (!Number.isSafeInteger(totalResult)) throw malformed('`details.totalResult` is not a count');
  const raw = json.result ?? [];
  if (!Array.isArray(raw)) throw malformed('`result` is not a list');
  const users: ListedUser[] = new Array(raw.length);
  for (let index = 0; index < raw.length; index++) {
    const user = raw[index] as unknown;
    if (!isObject(user)) throw malformed(`user ${index} is not an object`);
    const userId = user.userId;
    if (typeof userId !== 'string' || userId === '') throw malformed(`user ${index} has no id`);
    const own = isObject(user.details) ? user.details : {};
    const sequence = own.sequence === undefined ? 0 : uint64(own.sequence);
    if (!Number.isSafeInteger(sequence)) throw malformed(`user ${index} has a bad sequence`);
    const stateValue = user.state ?? 'USER_STATE_UNSPECIFIED';
    const state =
      typeof stateValue === 'number' ? STATE_NUMBERS[stateValue] : STATES[String(stateValue)];
    if (!state) throw malformed(`user ${index} has state ${JSON.stringify(stateValue)}`);
    const listed: ListedUser = { userId, sequence, orgId: text(own.resourceOwner) || null, state };
    if (user.human !== undefined) {
      if (!isObject(user.human)) throw malformed(`user ${index} has a human that is not an object`);
      const profile = isObject(user.human.profile) ? user.human.profile : {};
      const email = isObject(user.human.email) ? user.human.email : {};
      const givenName = text(profile.givenName);
      const familyName = text(profile.familyName);
      listed.human = {
        email: text(email.email) || null,
        emailVerified: email.isVerified === true,
        givenName,
        familyName,
        displayName: text(profile.displayName) || `${givenName} ${familyName}`.trim(),
      };
    }
    users[index] = listed;
  }
  return { totalResult, users };
}
