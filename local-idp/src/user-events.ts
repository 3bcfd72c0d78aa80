import type { AppendInput, EventEditor } from './event-log';
import { displayName } from './user-account-input';
import type { StoredUser } from './user-store';

// The ZITADEL-shaped events each change to a user produces, as the commands ZITADEL writes them.

/**
 * The events ZITADEL's AddHumanUser writes in one command: `user.human.added`, then
 * `user.human.email.verified` (created verified) or `user.human.email.code.added` (a verification
 * code is sent; the code itself is a secret and never logged here).
 */
export function addHumanUserEvents(
  user: StoredUser,
  editor: EventEditor,
  sendCode = false,
): AppendInput[] {
  const followUp: AppendInput[] = user.emailVerified
    ? [{ aggregateId: user.id, type: 'user.human.email.verified', editor }]
    : sendCode
      ? [
          {
            aggregateId: user.id,
            type: 'user.human.email.code.added',
            editor,
            // Go's time.Duration in nanoseconds (3 days), as ZITADEL marshals `expiry`.
            payload: { expiry: 259_200_000_000_000, codeReturned: false },
          },
        ]
      : [];
  return [
    {
      aggregateId: user.id,
      type: 'user.human.added',
      editor,
      payload: {
        userName: user.email,
        firstName: user.givenName,
        lastName: user.familyName,
        displayName: displayName(user),
        preferredLanguage: 'en',
        email: user.email,
      },
    },
    ...followUp,
  ];
}

/** The new state of the profile, email and password after one update request. */
export interface UserChange {
  givenName: string;
  familyName: string;
  email: string;
  emailChanges: boolean;
  emailVerified: boolean | undefined;
  passwordHash: string | undefined;
}

/**
 * The events ZITADEL writes for one user update, in one command: `user.human.profile.changed`,
 * `user.human.email.changed` (which resets verification), `user.human.email.verified` and
 * `user.human.password.changed`, each only when it changes something; and the user after them.
 */
export function userChangeEvents(
  before: StoredUser,
  change: UserChange,
  editor: EventEditor,
): { command: AppendInput[]; user: StoredUser } {
  const { givenName, familyName, email, emailChanges, passwordHash } = change;
  const command: AppendInput[] = [];
  let user = before;
  if (givenName !== user.givenName || familyName !== user.familyName) {
    command.push({
      aggregateId: user.id,
      type: 'user.human.profile.changed',
      editor,
      payload: {
        ...(givenName !== user.givenName ? { firstName: givenName } : {}),
        ...(familyName !== user.familyName ? { lastName: familyName } : {}),
        displayName: displayName({ givenName, familyName }),
      },
    });
    user = { ...user, givenName, familyName };
  }
  if (emailChanges) {
    command.push({
      aggregateId: user.id,
      type: 'user.human.email.changed',
      editor,
      payload: { email },
    });
    user = { ...user, email, emailVerified: false };
  }
  if (change.emailVerified === true && !user.emailVerified) {
    command.push({ aggregateId: user.id, type: 'user.human.email.verified', editor });
    user = { ...user, emailVerified: true };
  }
  if (passwordHash !== undefined) {
    command.push({
      aggregateId: user.id,
      type: 'user.human.password.changed',
      editor,
      payload: { changeRequired: false },
    });
    user = { ...user, passwordHash };
  }
  return { command, user };
}
