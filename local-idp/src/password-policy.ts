/**
 * The password rule shown on the registration page and enforced by every way of setting a password.
 * Kept deliberately small (ZITADEL's default complexity policy is configurable; the app only needs a
 * predictable rule to test against).
 */
export const PASSWORD_MIN_LENGTH = 8;

export const PASSWORD_RULE_TEXT = `At least ${PASSWORD_MIN_LENGTH} characters, including at least one letter and one digit.`;

export const PASSWORD_POLICY_ERROR = `Password must be at least ${PASSWORD_MIN_LENGTH} characters long and contain at least one letter and one digit.`;

/** Returns the visible error message when the password breaks the policy, otherwise undefined. */
export function checkPasswordPolicy(password: string): string | undefined {
  const longEnough = [...password].length >= PASSWORD_MIN_LENGTH;
  const hasLetter = /\p{L}/u.test(password);
  const hasDigit = /\p{Nd}/u.test(password);
  return longEnough && hasLetter && hasDigit ? undefined : PASSWORD_POLICY_ERROR;
}
