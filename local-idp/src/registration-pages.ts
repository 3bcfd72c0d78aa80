import {
  choice,
  errorSummary,
  type FieldProblem,
  type FormProblem,
  field,
  formError,
  hiddenFields,
} from './form-parts';
import { html } from './html';
import { cancelForm, interactionPath, LABELS } from './login-pages';
import { renderPage } from './page-layout';
import { PASSWORD_RULES, type PasswordRule } from './password-policy';
import {
  CONSENT_VALUE,
  type RegistrationDetails,
  type RegistrationField,
  type RegistrationProblem,
  registrationDetailsAsFields,
} from './registration-form';
import { DUPLICATE_EMAIL_MESSAGE } from './user-account-input';

export interface RegistrationPageModel {
  uid: string;
  values?: Partial<RegistrationDetails>;
  /** Every problem of the last submission, each shown beside its field and in the summary. */
  problems?: readonly RegistrationProblem[];
}

/** The element a problem points at: the method's problem is the Passkey radio button's. */
const inputId = (name: string) => (name === 'method' ? 'method-passkey' : name);

/** Step 1: names and email, the two legal consents, and the sign-in method. */
export function renderRegistrationPage(model: RegistrationPageModel): string {
  const values = model.values ?? {};
  const problems: FieldProblem[] = (model.problems ?? []).map((problem) =>
    problem.field === 'email' && problem.message === DUPLICATE_EMAIL_MESSAGE
      ? { ...problem, extra: logInInstead(model.uid, values.email) }
      : problem,
  );
  const problem = (name: RegistrationField) => problems.find((p) => p.field === name);
  // Put the cursor where the first problem is (or on the first field).
  const focus = problems[0]?.field ?? 'email';
  const method = values.method ?? 'password';
  const consentProblem = problem('tos') ?? problem('privacyPolicy');
  const body = html`<h1>Create your Liverty Music account</h1>
    ${errorSummary(problems, inputId)}
    <form method="post" action="${interactionPath(model.uid, 'register')}" novalidate>
      ${field({ id: 'email', label: LABELS.email, type: 'email', autocomplete: 'email', value: values.email, problem: problem('email'), autofocus: focus === 'email' })}
      ${field({ id: 'givenName', label: LABELS.givenName, type: 'text', autocomplete: 'given-name', value: values.givenName, problem: problem('givenName'), autofocus: focus === 'givenName' })}
      ${field({ id: 'familyName', label: LABELS.familyName, type: 'text', autocomplete: 'family-name', value: values.familyName, problem: problem('familyName'), autofocus: focus === 'familyName' })}
      <fieldset${consentProblem ? html` class="invalid"` : ''}>
        <legend>To register you must agree to the terms and conditions</legend>
        ${choice({ type: 'checkbox', id: 'tos', name: 'tos', value: CONSENT_VALUE, label: LABELS.termsOfService, checked: values.tos === true, problem: problem('tos'), autofocus: focus === 'tos' })}
        ${choice({ type: 'checkbox', id: 'privacyPolicy', name: 'privacyPolicy', value: CONSENT_VALUE, label: LABELS.privacyPolicy, checked: values.privacyPolicy === true, problem: problem('privacyPolicy'), autofocus: focus === 'privacyPolicy' })}
        <p class="hint">Dev-only placeholders: the local provider has no legal texts.</p>
      </fieldset>
      <fieldset${problem('method') ? html` class="invalid"` : ''}>
        <legend>How you will sign in</legend>
        <p class="hint">Passkeys are not available on this local development provider: sign in with a password.</p>
        ${choice({ type: 'radio', id: 'method-passkey', name: 'method', value: 'passkey', label: LABELS.passkeyMethod, checked: method === 'passkey', problem: problem('method'), autofocus: focus === 'method' })}
        ${choice({ type: 'radio', id: 'method-password', name: 'method', value: 'password', label: LABELS.passwordMethod, checked: method === 'password' })}
      </fieldset>
      <div class="actions">
        <button type="submit" class="primary">${LABELS.continue}</button>
      </div>
    </form>
    <div class="actions">${cancelForm(model.uid)}</div>
    <p class="switch">Already have an account? <a href="${interactionPath(model.uid)}?view=login">${LABELS.logIn}</a></p>`;
  return renderPage('Create account', body);
}

/** Beside "already exists": the login page of the same sign-in request, the email filled in. */
function logInInstead(uid: string, email: string | undefined) {
  const query = new URLSearchParams({ view: 'login', ...(email ? { email } : {}) });
  return html`<a href="${interactionPath(uid)}?${query.toString()}">${LABELS.logInInstead}</a>`;
}

export interface RegistrationPasswordPageModel {
  uid: string;
  details: RegistrationDetails;
  problems?: readonly FieldProblem[];
  /** A problem with the whole registration (the signup policy stopped it). */
  formProblem?: FormProblem | undefined;
  /** Rules the last submitted password broke; marked as not met in the list. */
  unmetRules?: readonly PasswordRule[];
}

/** Step 2: the password, its confirmation and ZITADEL's default complexity rules. */
export function renderRegistrationPasswordPage(model: RegistrationPasswordPageModel): string {
  const unmet = new Set(model.unmetRules ?? []);
  const problems = model.problems ?? [];
  const problem = (name: string) => problems.find((p) => p.field === name);
  const rules = html`<ul class="rules">${PASSWORD_RULES.map(({ rule, text }) =>
    unmet.has(rule)
      ? html`<li class="unmet">${text} <span class="rule-state">(not met)</span></li>`
      : html`<li>${text}</li>`,
  )}</ul>`;
  const body = html`<h1>Set your password</h1>
    <p>for ${model.details.email}</p>
    ${formError(model.formProblem)}
    ${errorSummary(problems)}
    <form method="post" action="${interactionPath(model.uid, 'register/password')}" novalidate>
      ${hiddenFields(registrationDetailsAsFields(model.details))}
      ${field({ id: 'password', label: LABELS.password, type: 'password', autocomplete: 'new-password', problem: problem('password'), hint: rules, autofocus: problems[0]?.field !== 'confirmPassword' })}
      ${field({ id: 'confirmPassword', label: LABELS.confirmPassword, type: 'password', autocomplete: 'new-password', problem: problem('confirmPassword'), autofocus: problems[0]?.field === 'confirmPassword', toggleLabel: LABELS.showConfirmPassword })}
      <div class="actions">
        <button type="submit" class="primary">${LABELS.createAccount}</button>
      </div>
    </form>
    <div class="actions">${cancelForm(model.uid)}</div>`;
  return renderPage('Set your password', body);
}
