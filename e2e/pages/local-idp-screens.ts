import { LABELS, renderLoginPage } from '../../local-idp/src/login-pages';
import { unmetPasswordRules } from '../../local-idp/src/password-policy';
import {
  renderRegistrationPage,
  renderRegistrationPasswordPage,
} from '../../local-idp/src/registration-pages';
import { type Control, control, type Screen } from './login-ui-model';
import { APP_CALLBACK, refusedUnlessFilled, textboxes } from './login-v2-screens';

/** The controls a local provider page renders: labelled inputs, buttons and links. */
export function controlsOf(html: string): Control[] {
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
export function localScreens(password: string): Record<string, () => Screen> {
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
