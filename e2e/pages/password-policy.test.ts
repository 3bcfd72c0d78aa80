// The journeys' passwords, the local provider and Login V2 hold one password policy: ZITADEL's
// default complexity policy. Run by `npm test -w e2e` before the browser journeys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PASSWORD_MIN_LENGTH,
  PASSWORD_RULES,
  unmetPasswordRules,
} from '../../local-idp/src/password-policy';
import { newPerson } from '../support/new-person';
import { LOGIN_V2, loginV2Text as t } from './login-v2-facts';
import { meetsLoginV2Policy } from './login-v2-screens';

describe('one password policy for the journeys, the local provider and Login V2', () => {
  it("the local provider enforces ZITADEL's default complexity policy", () => {
    const policy = LOGIN_V2.defaults.PasswordComplexityPolicy;
    assert.equal(PASSWORD_MIN_LENGTH, policy.MinLength);
    assert.deepEqual(PASSWORD_RULES.map(({ rule }) => rule).sort(), [
      'length',
      'lowercase',
      'number',
      'symbol',
      'uppercase',
    ]);
    assert.ok(policy.HasLowercase && policy.HasUppercase && policy.HasNumber && policy.HasSymbol);
    assert.deepEqual(
      PASSWORD_RULES.map(({ text }) => text),
      [
        t('password.complexity.length').replace('{minLength}', String(policy.MinLength)),
        t('password.complexity.hasSymbol'),
        t('password.complexity.hasNumber'),
        t('password.complexity.hasUppercase'),
        t('password.complexity.hasLowercase'),
      ],
    );
  });

  it('the journeys’ passwords pass it on both', () => {
    for (let i = 0; i < 12; i++) {
      const { password } = newPerson('policy');
      assert.ok(meetsLoginV2Policy(password), password);
      assert.deepEqual(unmetPasswordRules(password), []);
    }
  });
});
