/**
 * ZITADEL's default password complexity policy, enforced by every way of setting a password here
 * (registration page, dev admin API, programmatic handle) so a password the local provider accepts
 * is one a fresh ZITADEL accepts too, and the other way round.
 *
 * Source (github:zitadel/zitadel, branch v4.x at 02d07e951b0b, unchanged since v4.13):
 * - defaults: `cmd/defaults.yaml` DefaultInstance.PasswordComplexityPolicy — MinLength 8,
 *   HasLowercase, HasUppercase, HasNumber, HasSymbol all true;
 * - the check: `internal/domain/policy_password_complexity.go` — `len(password)` (UTF-8 bytes in Go)
 *   against MinLength, then the character classes `[a-z]`, `[A-Z]`, `[0-9]`, `[^A-Za-z0-9]`;
 * - the rule texts: Login V2's `apps/login/locales/en.json` `password.complexity.*`.
 */
export const PASSWORD_MIN_LENGTH = 8;

export type PasswordRule = 'length' | 'lowercase' | 'uppercase' | 'number' | 'symbol';

interface RuleDefinition {
  rule: PasswordRule;
  /** Login V2's wording of the rule (password.complexity.*). */
  text: string;
  met: (password: string) => boolean;
}

const RULES: readonly RuleDefinition[] = [
  {
    rule: 'length',
    text: `Must be at least ${PASSWORD_MIN_LENGTH} characters long.`,
    // Go's len() counts bytes: "ñ" counts twice, as it does in ZITADEL.
    met: (password) => Buffer.byteLength(password, 'utf8') >= PASSWORD_MIN_LENGTH,
  },
  { rule: 'symbol', text: 'Must include a symbol.', met: (p) => /[^A-Za-z0-9]/.test(p) },
  { rule: 'number', text: 'Must include a number.', met: (p) => /[0-9]/.test(p) },
  { rule: 'uppercase', text: 'Must include an uppercase letter.', met: (p) => /[A-Z]/.test(p) },
  { rule: 'lowercase', text: 'Must include a lowercase letter.', met: (p) => /[a-z]/.test(p) },
];

/** The rules in the order Login V2 lists them, each with its text. */
export const PASSWORD_RULES: readonly { rule: PasswordRule; text: string }[] = RULES.map(
  ({ rule, text }) => ({ rule, text }),
);

export const PASSWORD_RULE_TEXT = `At least ${PASSWORD_MIN_LENGTH} characters, with an uppercase letter, a lowercase letter, a number and a symbol.`;

export const PASSWORD_POLICY_ERROR = `Password must be at least ${PASSWORD_MIN_LENGTH} characters long and include an uppercase letter, a lowercase letter, a number and a symbol.`;

/** The rules the password does not meet, in PASSWORD_RULES order; empty when it is acceptable. */
export function unmetPasswordRules(password: string): PasswordRule[] {
  return RULES.filter((definition) => !definition.met(password)).map(({ rule }) => rule);
}

/** Returns the visible error message when the password breaks the policy, otherwise undefined. */
export function checkPasswordPolicy(password: string): string | undefined {
  return unmetPasswordRules(password).length > 0 ? PASSWORD_POLICY_ERROR : undefined;
}
