// What a user change must satisfy before anything is written: the checks and the error they throw.
import { checkPasswordPolicy } from './password-policy';
import type { StoredUser } from './user-store';

export type UserAccountErrorCode =
  | 'invalid_argument'
  | 'already_exists'
  | 'not_found'
  | 'failed_precondition';

export const DUPLICATE_EMAIL_MESSAGE = 'An account with this email already exists';

/** A rejected user change; `field` names the offending input so forms can highlight it. */
export class UserAccountError extends Error {
  readonly code: UserAccountErrorCode;
  readonly field: string | undefined;

  constructor(code: UserAccountErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'UserAccountError';
    this.code = code;
    this.field = field;
  }
}

// Permissive like ZITADEL's own check (a dotless domain such as `localhost` is fine).
const EMAIL_PATTERN =
  /^[^\s@]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function requireEmail(value: unknown): string {
  const email = typeof value === 'string' ? value.trim() : '';
  if (!email) throw new UserAccountError('invalid_argument', 'Email is required', 'email');
  if (!EMAIL_PATTERN.test(email))
    throw new UserAccountError('invalid_argument', 'Enter a valid email address', 'email');
  return email;
}

export function requireName(value: unknown, field: 'givenName' | 'familyName'): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (!name) {
    throw new UserAccountError(
      'invalid_argument',
      `${field === 'givenName' ? 'Given name' : 'Family name'} is required`,
      field,
    );
  }
  if (name.length > 200)
    throw new UserAccountError('invalid_argument', `${field} is too long`, field);
  return name;
}

export function requirePassword(value: unknown): string {
  const password = typeof value === 'string' ? value : '';
  const problem = checkPasswordPolicy(password);
  if (problem) throw new UserAccountError('invalid_argument', problem, 'password');
  return password;
}

export function displayName(user: Pick<StoredUser, 'givenName' | 'familyName'>): string {
  return `${user.givenName} ${user.familyName}`.trim();
}
