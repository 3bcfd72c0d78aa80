// Keeps LocalIdpPages honest without Docker or a browser: each journey step is walked through the
// local provider's rendered pages (local-idp-screens.ts), which must offer what Login V2 offers.
// Run by `npm test -w e2e` before the browser journeys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  renderRegistrationPage,
  renderRegistrationPasswordPage,
} from '../../local-idp/src/registration-pages';
import {
  CREATE_USER_FAILED_MESSAGE,
  SIGNUP_UNAVAILABLE_DETAIL,
} from '../../local-idp/src/signup-stopped';
import { newPerson } from '../support/new-person';
import { createLocalIdpPages } from './local-idp-pages';
import { controlsOf, localScreens } from './local-idp-screens';
import { createLoginUiModel } from './login-ui-model';
import { LOGIN_V2, loginV2Text as t } from './login-v2-facts';
import { APP_CALLBACK } from './login-v2-screens';

describe('LocalIdpPages against the local provider’s rendered pages', () => {
  it('registers through the same steps as Login V2: both consents, "Password", the password twice', async () => {
    const person = newPerson('local-model');
    const model = createLoginUiModel(
      'http://127.0.0.1:8080',
      localScreens(person.password),
      '/ui/v2/login/interaction-1',
    );
    await createLocalIdpPages(model.asPage(), 'http://127.0.0.1:8080').register(person);
    assert.equal(model.url(), APP_CALLBACK);
    const steps = model.actions
      .filter((action) => action.type !== 'wait')
      .map((action) =>
        'kind' in action ? `${action.type} ${action.kind} ${action.name}` : `fill ${action.name}`,
      );
    assert.deepEqual(steps, [
      'fill Email',
      'fill Given name',
      'fill Family name',
      'check checkbox Terms of Service',
      'check checkbox Privacy Policy',
      'check radio Password',
      'click button Continue',
      'fill Password',
      'fill Confirm password',
      'click button Create account',
    ]);
  });

  it('preselects Password where Login V2 preselects Passkey, with Login V2’s choices in its order (decision 034)', () => {
    const radios = controlsOf(renderRegistrationPage({ uid: 'interaction-1' })).filter(
      (candidate) => candidate.kind === 'radio',
    );
    assert.deepEqual(
      radios.map((radio) => [radio.name, radio.checked]),
      [
        [t('register.methods.passkey'), false],
        [t('register.methods.password'), true],
      ],
    );
    assert.equal(LOGIN_V2.pages['/register']?.radios?.preselected, 'register.methods.passkey');
  });

  it('a signup the policy stops shows Login V2’s "Could not create user" on both providers', () => {
    assert.equal(CREATE_USER_FAILED_MESSAGE, t('register.errors.couldNotCreateUser'));
    const details = {
      email: 'x@example.com',
      givenName: 'x',
      familyName: 'x',
      tos: true,
      privacyPolicy: true,
      method: 'password' as const,
    };
    for (const detail of [undefined, SIGNUP_UNAVAILABLE_DETAIL]) {
      const html = renderRegistrationPasswordPage({
        uid: 'interaction-1',
        details,
        formProblem: { message: CREATE_USER_FAILED_MESSAGE, detail },
      });
      // What LocalIdpPages.registrationError() finds (role=alert) and the journeys expect.
      const alert = /<div[^>]*role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
      assert.match(alert, /^<p>Could not create user<\/p>/);
      // No field is blamed.
      assert.doesNotMatch(html, /<input[^>]*aria-invalid/);
    }
  });

  it('logs in', async () => {
    const person = newPerson('local-login');
    const model = createLoginUiModel(
      'http://127.0.0.1:8080',
      localScreens(person.password),
      '/ui/v2/login/interaction-2',
    );
    await createLocalIdpPages(model.asPage(), 'http://127.0.0.1:8080').logIn(person);
    assert.equal(model.url(), APP_CALLBACK);
  });
});
