import type { Person } from './identity-provider-pages';
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

export const APP_CALLBACK = 'http://app.test/callback?code=c&state=s';

/** validators.ts and the complexity policy's defaults (cmd/defaults.yaml), as Login V2 applies them. */
export function meetsLoginV2Policy(password: string): boolean {
  const policy = LOGIN_V2.defaults.PasswordComplexityPolicy;
  return (
    password.length >= policy.MinLength &&
    (!policy.HasSymbol || /[^a-zA-Z0-9]/.test(password)) &&
    (!policy.HasNumber || /[0-9]/.test(password)) &&
    (!policy.HasUppercase || /[A-Z]/.test(password)) &&
    (!policy.HasLowercase || /[a-z]/.test(password))
  );
}

export function textboxes(screen: Screen): Control[] {
  return screen.controls.filter((candidate) => candidate.kind === 'textbox');
}

export function refusedUnlessFilled(screen: Screen): { refused: string } | undefined {
  return textboxes(screen).every((box) => box.value !== '')
    ? undefined
    : { refused: 'disabled while a required field is empty' };
}

export interface LoginV2Scenario {
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

export function loginV2Model(scenario: LoginV2Scenario, start: string) {
  return createLoginUiModel('http://localhost:3000', loginV2Screens(scenario), loginV2Path(start));
}

export const zitadelPages = (model: LoginUiModel) =>
  createZitadelLoginPages(model.asPage(), 'http://localhost:8080', undefined);

export const defaults = (person: Person): LoginV2Scenario => ({
  chooser: true,
  legalLinks: true,
  mfaSetup: true,
  password: person.password,
});

export function stepsOn(actions: Action[], route: string) {
  return actions.filter((action) => action.path === loginV2Path(route) && action.type !== 'wait');
}
