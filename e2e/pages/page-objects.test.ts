// Keeps the page objects honest without Docker or a browser: each journey step is walked through a
// model of the provider's screens, built from the pinned Login V2's own strings and routes
// (zitadel-login-v2.json, read from github:zitadel/zitadel apps/login/…, see its `source`) and from
// the local provider's rendered pages. Run by `npm test -w e2e` before the browser journeys.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LABELS, renderLoginPage } from '../../local-idp/src/login-pages';
import {
  PASSWORD_MIN_LENGTH,
  PASSWORD_RULES,
  unmetPasswordRules,
} from '../../local-idp/src/password-policy';
import {
  renderRegistrationPage,
  renderRegistrationPasswordPage,
} from '../../local-idp/src/registration-pages';
import {
  CREATE_USER_FAILED_MESSAGE,
  SIGNUP_UNAVAILABLE_DETAIL,
} from '../../local-idp/src/signup-stopped';
import { newPerson } from '../support/new-person';
import type { Person } from './identity-provider-pages';
import { createLocalIdpPages } from './local-idp-pages';
import {
  type Action,
  type Control,
  control,
  createLoginUiModel,
  type LoginUiModel,
  type Screen,
} from './login-ui-model';
import { LOGIN_V2, loginV2Path, loginV2Text as t } from './login-v2-facts';
import { createZitadelLoginPages } from './zitadel-login-pages';

const APP_CALLBACK = 'http://app.test/callback?code=c&state=s';
const REPO_ROOT = new URL('../../', import.meta.url);

/** validators.ts and the complexity policy's defaults (cmd/defaults.yaml), as Login V2 applies them. */
function meetsLoginV2Policy(password: string): boolean {
  const policy = LOGIN_V2.defaults.PasswordComplexityPolicy;
  return (
    password.length >= policy.MinLength &&
    (!policy.HasSymbol || /[^a-zA-Z0-9]/.test(password)) &&
    (!policy.HasNumber || /[0-9]/.test(password)) &&
    (!policy.HasUppercase || /[A-Z]/.test(password)) &&
    (!policy.HasLowercase || /[a-z]/.test(password))
  );
}

function textboxes(screen: Screen): Control[] {
  return screen.controls.filter((candidate) => candidate.kind === 'textbox');
}

function refusedUnlessFilled(screen: Screen): { refused: string } | undefined {
  return textboxes(screen).every((box) => box.value !== '')
    ? undefined
    : { refused: 'disabled while a required field is empty' };
}

interface LoginV2Scenario {
  /** Passwords and passkeys both allowed (the default login policy): the method chooser shows. */
  chooser: boolean;
  /** zitadel-setup sets both legal links: both consent checkboxes show. */
  legalLinks: boolean;
  /** The Login V2 build sends a user without a second factor to the skippable /mfa/set. */
  mfaSetup: boolean;
  /** The password that signs the person in. */
  password: string;
}

/** Login V2's screens as its components render them with the scenario's settings. */
function loginV2Screens(scenario: LoginV2Scenario): Record<string, () => Screen> {
  const pages = LOGIN_V2.pages;
  const facts = (route: string) => {
    const page = pages[route];
    if (!page) throw new Error(`no facts for ${route}`);
    return page;
  };
  const fields = (route: string) =>
    facts(route).textboxes.map((box) =>
      control('textbox', t(box.label) + (box.required ? LOGIN_V2.requiredMarker : '')),
    );
  const buttons = (route: string) => facts(route).buttons.map((key) => control('button', t(key)));
  const afterPassword = scenario.mfaSetup ? loginV2Path('/mfa/set') : APP_CALLBACK;
  const screen = (
    route: string,
    controls: Control[],
    submit: string,
    next: (screen: Screen) => { next: string } | { refused: string },
  ) => ({
    path: loginV2Path(route),
    controls,
    activate: (pressed: Control, current: Screen) =>
      pressed.name === t(submit) ? next(current) : { refused: 'not a step of the journey' },
  });

  return {
    [loginV2Path('/register')]: () => {
      const page = facts('/register');
      const controls = fields('/register');
      if (scenario.legalLinks) {
        for (const box of page.checkboxes ?? []) {
          controls.push(control('checkbox', box.accessibleName, { testId: box.testId }));
        }
      }
      if (scenario.chooser && page.radios) {
        const { names, preselected, testIds } = page.radios;
        names.forEach((key, index) => {
          controls.push(
            control('radio', t(key), {
              group: 'method',
              checked: key === preselected,
              ...(testIds[index] ? { testId: testIds[index] } : {}),
            }),
          );
        });
      }
      controls.push(...buttons('/register'));
      return screen('/register', controls, 'register.submit', (current) => {
        const empty = refusedUnlessFilled(current);
        if (empty) return empty;
        if (current.controls.some((box) => box.kind === 'checkbox' && !box.checked)) {
          return { refused: 'disabled until every consent checkbox is ticked' };
        }
        const method = current.controls.find((radio) => radio.kind === 'radio' && radio.checked);
        const chosen =
          method === undefined || method.name === t('register.methods.password')
            ? 'password'
            : 'passkey';
        return { next: loginV2Path(page.next?.[chosen] ?? '/') };
      });
    },
    [loginV2Path('/register/password')]: () =>
      screen(
        '/register/password',
        [...fields('/register/password'), ...buttons('/register/password')],
        'register.password.submit',
        (current) => {
          const [password, confirmation] = textboxes(current).map((box) => box.value);
          if (!meetsLoginV2Policy(password ?? '')) {
            return { refused: 'disabled: the password breaks the complexity policy' };
          }
          if (password !== confirmation) return { refused: 'disabled: the confirmation differs' };
          return { next: afterPassword };
        },
      ),
    [loginV2Path('/passkey/set')]: () => ({
      path: loginV2Path('/passkey/set'),
      controls: [],
      activate: () => ({ refused: 'a passkey needs a device' }),
    }),
    [loginV2Path('/accounts')]: () => ({
      path: loginV2Path('/accounts'),
      controls: (facts('/accounts').links ?? []).map((key) => control('link', t(key))),
      activate: () => ({ next: loginV2Path('/loginname') }),
    }),
    [loginV2Path('/loginname')]: () =>
      screen(
        '/loginname',
        [...fields('/loginname'), ...buttons('/loginname')],
        'loginname.submit',
        (current) => refusedUnlessFilled(current) ?? { next: loginV2Path('/password') },
      ),
    [loginV2Path('/password')]: () =>
      screen(
        '/password',
        [...fields('/password'), ...buttons('/password')],
        'password.verify.submit',
        (current) =>
          textboxes(current)[0]?.value === scenario.password
            ? { next: afterPassword }
            : { refused: 'wrong password' },
      ),
    [loginV2Path('/mfa/set')]: () =>
      screen('/mfa/set', buttons('/mfa/set'), 'mfa.set.skip', () => ({ next: APP_CALLBACK })),
  };
}

function loginV2Model(scenario: LoginV2Scenario, start: string) {
  return createLoginUiModel('http://localhost:3000', loginV2Screens(scenario), loginV2Path(start));
}

const zitadelPages = (model: LoginUiModel) =>
  createZitadelLoginPages(model.asPage(), 'http://localhost:8080', undefined);

const defaults = (person: Person): LoginV2Scenario => ({
  chooser: true,
  legalLinks: true,
  mfaSetup: true,
  password: person.password,
});

function stepsOn(actions: Action[], route: string) {
  return actions.filter((action) => action.path === loginV2Path(route) && action.type !== 'wait');
}

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

/** The controls a local provider page renders: labelled inputs, buttons and links. */
function controlsOf(html: string): Control[] {
  const labels = new Map(
    [...html.matchAll(/<label for="([^"]+)">([^<]*)<\/label>/g)].map((m) => [m[1], m[2] ?? '']),
  );
  const controls: Control[] = [];
  for (const [tag] of html.matchAll(/<input\b[^>]*>/g)) {
    const attr = (name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
    const type = attr('type') ?? 'text';
    if (type === 'hidden') continue;
    const name = labels.get(attr('id') ?? '') ?? null;
    const kind = type === 'checkbox' || type === 'radio' ? type : 'textbox';
    controls.push(
      control(kind, name, {
        checked: /\schecked(?=[\s>])/.test(tag),
        ...(kind === 'radio' ? { group: attr('name') ?? '' } : {}),
      }),
    );
  }
  for (const [, text] of html.matchAll(/<button\b[^>]*>([^<]*)<\/button>/g)) {
    controls.push(control('button', text ?? ''));
  }
  for (const [, text] of html.matchAll(/<a\b[^>]*>([^<]*)<\/a>/g)) {
    controls.push(control('link', text ?? ''));
  }
  return controls;
}

/** The local provider's pages as it renders them, and where each button leads. */
function localScreens(password: string): Record<string, () => Screen> {
  const base = '/ui/v2/login/interaction-1';
  const details = {
    email: 'x@example.com',
    givenName: 'x',
    familyName: 'x',
    tos: true,
    privacyPolicy: true,
    method: 'password' as const,
  };
  const checked = (screen: Screen, name: string) =>
    screen.controls.some((box) => box.name === name && box.checked);
  return {
    [base]: () => ({
      path: base,
      controls: controlsOf(renderRegistrationPage({ uid: 'interaction-1' })),
      activate: (pressed, current) => {
        if (pressed.name !== LABELS.continue) return { refused: 'not a step of the journey' };
        const missing = refusedUnlessFilled(current);
        if (missing) return missing;
        if (!checked(current, LABELS.termsOfService) || !checked(current, LABELS.privacyPolicy)) {
          return { refused: 'the page answers: accept both to create an account' };
        }
        if (
          !current.controls.some(
            (radio) =>
              radio.kind === 'radio' && radio.checked && radio.name === LABELS.passwordMethod,
          )
        ) {
          return { refused: 'the page answers: passkeys are not available, choose Password' };
        }
        return { next: `${base}/register` };
      },
    }),
    [`${base}/register`]: () => ({
      path: `${base}/register`,
      controls: controlsOf(renderRegistrationPasswordPage({ uid: 'interaction-1', details })),
      activate: (pressed, current) => {
        if (pressed.name !== LABELS.createAccount) return { refused: 'not a step of the journey' };
        const [chosen, confirmation] = textboxes(current).map((box) => box.value);
        if (unmetPasswordRules(chosen ?? '').length > 0) return { refused: 'the password policy' };
        return chosen === confirmation ? { next: APP_CALLBACK } : { refused: 'mismatch' };
      },
    }),
    '/ui/v2/login/interaction-2': () => ({
      path: '/ui/v2/login/interaction-2',
      controls: controlsOf(renderLoginPage({ uid: 'interaction-2' })),
      activate: (pressed, current) =>
        pressed.name === LABELS.logIn && textboxes(current)[1]?.value === password
          ? { next: APP_CALLBACK }
          : { refused: 'not a step of the journey' },
    }),
  };
}

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
