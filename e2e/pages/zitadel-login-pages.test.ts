// Keeps ZitadelLoginPages honest without Docker or a browser: each journey step is walked through
// a model of Login V2's screens (login-v2-screens.ts), and the facts it is built from are checked
// against the pinned Login V2. Run by `npm test -w e2e` before the browser journeys.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { newPerson } from '../support/new-person';
import type { LoginUiModel } from './login-ui-model';
import { LOGIN_V2, loginV2Path, loginV2Text as t } from './login-v2-facts';
import { APP_CALLBACK, defaults, loginV2Model, stepsOn, zitadelPages } from './login-v2-screens';

const REPO_ROOT = new URL('../../', import.meta.url);

describe('the Login V2 facts (zitadel-login-v2.json)', () => {
  it('are for the Login V2 and ZITADEL version docker-compose.yml pins', () => {
    const compose = readFileSync(new URL('docker-compose.yml', REPO_ROOT), 'utf8');
    const pinned = LOGIN_V2.source.pinned;
    assert.match(compose, new RegExp(`image: ghcr\\.io/zitadel/zitadel-login:${pinned}\\n`));
    assert.match(compose, new RegExp(`image: ghcr\\.io/zitadel/zitadel:${pinned}\\n`));
    assert.match(LOGIN_V2.source.readAt.commit, /^[0-9a-f]{40}$/);
  });

  it('name only routes and English strings that exist in the pinned Login V2', () => {
    for (const [route, page] of Object.entries(LOGIN_V2.pages)) {
      assert.ok(LOGIN_V2.routes.includes(route), `${route} is a route folder`);
      const keys = [
        ...page.textboxes.map((box) => box.label),
        ...page.buttons,
        ...(page.links ?? []),
        ...(page.radios?.names ?? []),
        ...(page.checkboxes ?? []).map((box) => box.text),
      ];
      for (const key of keys) assert.equal(typeof t(key), 'string');
      for (const next of Object.values(page.next ?? {})) assert.ok(LOGIN_V2.routes.includes(next));
    }
    assert.equal(t('register.labels.email'), 'E-mail');
    assert.throws(() => t('register.labels.givenName'), /has no text/);
    assert.throws(() => loginV2Path('/signup'), /has no route/);
  });
});

describe('ZitadelLoginPages against Login V2 (model of the pinned version)', () => {
  it('registers with the defaults: both consents, "Password" in the chooser, the password twice, /mfa/set skipped', async () => {
    const person = newPerson('model');
    const model = loginV2Model(defaults(person), '/register');
    await zitadelPages(model).register(person);

    assert.equal(model.url(), APP_CALLBACK);
    const register = stepsOn(model.actions, '/register');
    assert.deepEqual(
      register.filter((action) => action.type === 'fill').map((action) => action.name),
      ['First name *', 'Last name *', 'E-mail *'],
    );
    assert.deepEqual(
      register
        .filter((action) => action.type === 'check')
        .map((action) => 'testId' in action && action.testId),
      ['tos-checkbox', 'privacy-policy-checkbox'],
    );
    assert.deepEqual(
      register
        .filter((action) => action.type === 'click')
        .map((action) => 'kind' in action && `${action.kind} ${action.name}`),
      ['radio Password', 'button Continue'],
    );
    assert.deepEqual(
      stepsOn(model.actions, '/register/password').map((action) =>
        action.type === 'fill' ? `${action.name}=${action.value}` : action.type,
      ),
      [`Password *=${person.password}`, `Confirm Password *=${person.password}`, 'click'],
    );
    assert.equal(stepsOn(model.actions, '/mfa/set').length, 1);
  });

  it('registers when no chooser, no consent and no /mfa/set show (other settings, other builds)', async () => {
    const person = newPerson('model-bare');
    const model = loginV2Model(
      { chooser: false, legalLinks: false, mfaSetup: false, password: person.password },
      '/register',
    );
    await zitadelPages(model).register(person);
    assert.equal(model.url(), APP_CALLBACK);
  });

  it('logs in from /loginname, or from /accounts when a session exists, skipping /mfa/set', async () => {
    const person = newPerson('model-login');
    for (const start of ['/loginname', '/accounts']) {
      for (const mfaSetup of [true, false]) {
        const model = loginV2Model({ ...defaults(person), mfaSetup }, start);
        await zitadelPages(model).logIn(person);
        assert.equal(model.url(), APP_CALLBACK, `from ${start}, /mfa/set ${mfaSetup}`);
      }
    }
  });

  it('is refused what Login V2 refuses: a weak password, a consent left out, Passkey left chosen', async () => {
    // Bad input tried: the password the journeys used before (no uppercase letter).
    const weak = { ...newPerson('model-weak'), password: 'correct-horse-7' };
    await assert.rejects(
      zitadelPages(loginV2Model(defaults(weak), '/register')).register(weak),
      /complexity policy/,
    );

    const person = newPerson('model-manual');
    const fillIn = async (model: LoginUiModel) => {
      const page = model.asPage();
      await page.getByLabel(/^First name/).fill(person.givenName);
      await page.getByLabel(/^Last name/).fill(person.familyName);
      await page.getByLabel(/^E-mail/).fill(person.email);
    };
    const onlyTerms = loginV2Model(defaults(person), '/register');
    await fillIn(onlyTerms);
    await onlyTerms.asPage().getByTestId('tos-checkbox').check();
    await assert.rejects(
      onlyTerms.asPage().getByRole('button', { name: 'Continue', exact: true }).click(),
      /consent checkbox/,
    );

    const passkey = loginV2Model(defaults(person), '/register');
    await fillIn(passkey);
    await passkey.asPage().getByTestId('tos-checkbox').check();
    await passkey.asPage().getByTestId('privacy-policy-checkbox').check();
    await passkey.asPage().getByRole('button', { name: 'Continue', exact: true }).click();
    assert.equal(passkey.path, loginV2Path('/passkey/set'));

    // "Password" alone matches both fields of the password step.
    const ambiguous = loginV2Model(defaults(person), '/register/password');
    await assert.rejects(ambiguous.asPage().getByLabel('Password').fill('x'), /2 controls match/);
  });
});
