import { html, type SafeHtml } from './html.ts';
import { renderPage } from './page-layout.ts';
import { PASSWORD_RULE_TEXT } from './password-policy.ts';

/**
 * The hosted login and registration pages. Labels and button texts are part of this package's
 * contract (end-to-end tests click them by accessible name), so they live here as constants.
 */
export const LABELS = {
  email: 'Email',
  password: 'Password',
  givenName: 'Given name',
  familyName: 'Family name',
  logIn: 'Log in',
  createAccount: 'Create account',
  createAnAccount: 'Create an account',
  cancel: 'Cancel',
} as const;

export const LOGIN_PATH_PREFIX = '/ui/v2/login';

export function interactionPath(uid: string, action?: 'login' | 'register' | 'cancel'): string {
  const base = `${LOGIN_PATH_PREFIX}/${encodeURIComponent(uid)}`;
  return action ? `${base}/${action}` : base;
}

type RegistrationField = 'email' | 'givenName' | 'familyName' | 'password';

function errorSummary(error: string | undefined): SafeHtml {
  // role=alert makes screen readers announce the error when the re-rendered page loads.
  return error
    ? html`<div class="error-summary" role="alert" id="form-error">${error}</div>`
    : html``;
}

function field(options: {
  id: RegistrationField;
  label: string;
  type: 'email' | 'text' | 'password';
  autocomplete: string;
  value?: string | undefined;
  invalid: boolean;
  hint?: string;
  autofocus?: boolean;
}): SafeHtml {
  const describedBy = [
    options.hint ? `${options.id}-hint` : '',
    options.invalid ? 'form-error' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return html`<div class="field">
      <label for="${options.id}">${options.label}</label>
      <input id="${options.id}" name="${options.id}" type="${options.type}" autocomplete="${options.autocomplete}"
        ${options.value !== undefined ? html`value="${options.value}"` : ''}
        ${describedBy ? html`aria-describedby="${describedBy}"` : ''}
        ${options.invalid ? html`aria-invalid="true"` : ''}
        ${options.autofocus ? html`autofocus` : ''}>
      ${options.hint ? html`<p class="hint" id="${options.id}-hint">${options.hint}</p>` : ''}
    </div>`;
}

function cancelForm(uid: string): SafeHtml {
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
    ${errorSummary(model.error)}
    <form method="post" action="${interactionPath(model.uid, 'login')}" novalidate>
      ${field({ id: 'email', label: LABELS.email, type: 'email', autocomplete: 'username', value: model.email, invalid, autofocus: !model.email })}
      ${field({ id: 'password', label: LABELS.password, type: 'password', autocomplete: 'current-password', invalid, autofocus: !!model.email })}
      <div class="actions">
        <button type="submit" class="primary">${LABELS.logIn}</button>
      </div>
    </form>
    <div class="actions">${cancelForm(model.uid)}</div>
    <p class="switch">New here? <a href="${interactionPath(model.uid)}?view=register">${LABELS.createAnAccount}</a></p>`;
  return renderPage('Log in', body);
}

export interface RegistrationPageModel {
  uid: string;
  values?: { email?: string; givenName?: string; familyName?: string };
  error?: string | undefined;
  invalidField?: string | undefined;
}

export function renderRegistrationPage(model: RegistrationPageModel): string {
  const values = model.values ?? {};
  const invalid = (name: RegistrationField) => model.invalidField === name;
  // Put the cursor where the problem is (or on the first field).
  const focus = model.invalidField ?? 'email';
  const body = html`<h1>Create your Liverty Music account</h1>
    ${errorSummary(model.error)}
    <form method="post" action="${interactionPath(model.uid, 'register')}" novalidate>
      ${field({ id: 'email', label: LABELS.email, type: 'email', autocomplete: 'email', value: values.email, invalid: invalid('email'), autofocus: focus === 'email' })}
      ${field({ id: 'givenName', label: LABELS.givenName, type: 'text', autocomplete: 'given-name', value: values.givenName, invalid: invalid('givenName'), autofocus: focus === 'givenName' })}
      ${field({ id: 'familyName', label: LABELS.familyName, type: 'text', autocomplete: 'family-name', value: values.familyName, invalid: invalid('familyName'), autofocus: focus === 'familyName' })}
      ${field({ id: 'password', label: LABELS.password, type: 'password', autocomplete: 'new-password', invalid: invalid('password'), hint: PASSWORD_RULE_TEXT, autofocus: focus === 'password' })}
      <div class="actions">
        <button type="submit" class="primary">${LABELS.createAccount}</button>
      </div>
    </form>
    <div class="actions">${cancelForm(model.uid)}</div>
    <p class="switch">Already have an account? <a href="${interactionPath(model.uid)}?view=login">${LABELS.logIn}</a></p>`;
  return renderPage('Create account', body);
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
