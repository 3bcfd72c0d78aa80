import { describe, expect, it } from 'vitest';
import {
  checkPasswordPolicy,
  PASSWORD_POLICY_ERROR,
  PASSWORD_RULES,
  unmetPasswordRules,
} from '../src/password-policy';

// Contract: ZITADEL's default password complexity policy, read in github:zitadel/zitadel (branch
// v4.x, 02d07e951b0b): cmd/defaults.yaml DefaultInstance.PasswordComplexityPolicy (MinLength 8,
// HasLowercase/HasUppercase/HasNumber/HasSymbol true) and
// internal/domain/policy_password_complexity.go (Check: Go len() in bytes, then [a-z], [A-Z],
// [0-9], [^A-Za-z0-9]). Rule texts: apps/login/locales/en.json password.complexity.*.
describe("ZITADEL's default password complexity policy (cmd/defaults.yaml, internal/domain/policy_password_complexity.go)", () => {
  it('accepts a password with upper, lower, number and symbol, 8 long', () => {
    for (const password of ['Aa1!aaaa', 'Correct horse 1', 'Correct-horse-7']) {
      expect(unmetPasswordRules(password)).toEqual([]);
      expect(checkPasswordPolicy(password)).toBeUndefined();
    }
  });

  it('names each broken rule', () => {
    expect(unmetPasswordRules('Aa1!aaa')).toEqual(['length']);
    expect(unmetPasswordRules('aa1!aaaa')).toEqual(['uppercase']);
    expect(unmetPasswordRules('AA1!AAAA')).toEqual(['lowercase']);
    expect(unmetPasswordRules('Aa!!aaaa')).toEqual(['number']);
    expect(unmetPasswordRules('Aa1aaaaa')).toEqual(['symbol']);
    expect(unmetPasswordRules('')).toEqual([
      'length',
      'symbol',
      'number',
      'uppercase',
      'lowercase',
    ]);
    expect(checkPasswordPolicy('correct-horse-7')).toBe(PASSWORD_POLICY_ERROR);
  });

  it("counts length in UTF-8 bytes, as Go's len() does", () => {
    // 6 characters, 8 bytes: ZITADEL accepts it; a character count would not.
    expect(unmetPasswordRules('Aa1!ññ')).toEqual([]);
    // 7 characters, 7 bytes: too short either way.
    expect(unmetPasswordRules('Aa1!aaa')).toEqual(['length']);
  });

  it('counts only ASCII letters as upper or lower case, and anything else as a symbol', () => {
    // ZITADEL's classes are [A-Z] and [a-z]: "Ä" is no uppercase letter, it is a symbol.
    expect(unmetPasswordRules('Äaaaaaa1')).toEqual(['uppercase']);
    expect(unmetPasswordRules('Aaaaaaa1 ')).toEqual([]);
    // A non-ASCII digit is no number either.
    expect(unmetPasswordRules('Aaaaaaa!٣')).toEqual(['number']);
  });

  it("lists the rules in Login V2's order and words", () => {
    expect(PASSWORD_RULES.map(({ text }) => text)).toEqual([
      'Must be at least 8 characters long.',
      'Must include a symbol.',
      'Must include a number.',
      'Must include an uppercase letter.',
      'Must include a lowercase letter.',
    ]);
  });
});
