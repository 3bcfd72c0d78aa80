import { field, formError } from './form-parts';
import { html } from './html';
import { renderPage } from './page-layout';

/**
 * The hosted login and registration pages. Labels and button texts are part of this package's
 * contract (end-to-end tests click them by accessible name), so they live here as constants.
 * The registration takes the steps ZITADEL's Login V2 takes with its default settings (names and
 * email, both legal consents, the method chooser, then the password and its confirmation), so
 * journeys written against one walk through the other the same way. Login V2 preselects Passkey;
 * this provider has no passkeys and preselects Password (docs/decisions/034).
 */
export const LABELS = {
  email: 'Email',
  password: 'Password',
  confirmPassword: 'Confirm password',
  givenName: 'Given name',
  familyName: 'Family name',
  termsOfService: 'Terms of Service',
  privacyPolicy: 'Privacy Policy',
  passkeyMethod: 'Passkey',
  passwordMethod: 'Password',
  logIn: 'Log in',
  continue: 'Continue',
  createAccount: 'Create account',
  createAnAccount: 'Create an account',
  cancel: 'Cancel',
  logInInstead: 'Log in instead',
  showConfirmPassword: 'Show password confirmation',
} as const;

export const LOGIN_PATH_PREFIX = '/ui/v2/login';

/** Form actions under an interaction; a GET of the bare interaction path renders its first page. */
export type InteractionAction = 'login' | 'register' | 'register/password' | 'cancel';

export function interactionPath(uid: string, action?: InteractionAction): string {
  const base = `${LOGIN_PATH_PREFIX}/${encodeURIComponent(uid)}`;
  return action ? `${base}/${action}` : base;
}

export function cancelForm(uid: string) {
  // A separate form so "Cancel" never submits (or validates) the credentials.
  return html`<form method="post" action="${interactionPath(uid, 'cancel')}">
      <button type="submit">${LABELS.cancel}</button>
    </form>`;
}

export interface LoginPageModel {
  uid: string;
  email?: string | undefined;
  error?: string | undefined;
}

export function renderLoginPage(model: LoginPageModel): string {
  const invalid = model.error !== undefined;
  const body = html`<h1>Log in to Liverty Music</h1>
    ${formError(model.error === undefined ? undefined : { message: model.error })}
    <form method="post" action="${interactionPath(model.uid, 'login')}" novalidate>
      ${field({ id: 'email', label: LABELS.email, type: 'email', autocomplete: 'username', value: model.email, invalidByForm: invalid, autofocus: !model.email })}
      ${field({ id: 'password', label: LABELS.password, type: 'password', autocomplete: 'current-password', invalidByForm: invalid, autofocus: !!model.email })}
      <div class="actions">
        <button type="submit" class="primary">${LABELS.logIn}</button>
      </div>
    </form>
    <div class="actions">${cancelForm(model.uid)}</div>
    <p class="switch">New here? <a href="${interactionPath(model.uid)}?view=register">${LABELS.createAnAccount}</a></p>`;
  return renderPage('Log in', body);
}

export function renderMessagePage(
  title: string,
  message: string,
  details?: Record<string, string>,
): string {
  const body = html`<h1>${title}</h1>
    <p>${message}</p>
    ${details ? html`<dl>${Object.entries(details).map(([key, value]) => html`<dt>${key}</dt><dd>${value}</dd>`)}</dl>` : ''}`;
  return renderPage(title, body);
}
