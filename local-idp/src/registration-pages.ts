import { choice, errorSummary, field, hiddenFields } from './form-parts.ts';
import { html } from './html.ts';
import { cancelForm, interactionPath, LABELS } from './login-pages.ts';
import { renderPage } from './page-layout.ts';
import { PASSWORD_RULES, type PasswordRule } from './password-policy.ts';
import {
  CONSENT_VALUE,
  type RegistrationDetails,
  type RegistrationField,
  registrationDetailsAsFields,
} from './registration-form.ts';

export interface RegistrationPageModel {
  uid: string;
  values?: Partial<RegistrationDetails>;
  error?: string | undefined;
  invalidField?: RegistrationField | undefined;
}

/** Step 1: names and email, the two legal consents, and the sign-in method. */
export function renderRegistrationPage(model: RegistrationPageModel): string {
  const values = model.values ?? {};
  const invalid = (name: RegistrationField) => model.invalidField === name;
  // Put the cursor where the problem is (or on the first field).
  const focus = model.invalidField ?? 'email';
  const method = values.method ?? 'passkey';
  const body = html`<h1>Create your Liverty Music account</h1>
    ${errorSummary(model.error)}
    <form method="post" action="${interactionPath(model.uid, 'register')}" novalidate>
      ${field({ id: 'email', label: LABELS.email, type: 'email', autocomplete: 'email', value: values.email, invalid: invalid('email'), autofocus: focus === 'email' })}
      ${field({ id: 'givenName', label: LABELS.givenName, type: 'text', autocomplete: 'given-name', value: values.givenName, invalid: invalid('givenName'), autofocus: focus === 'givenName' })}
      ${field({ id: 'familyName', label: LABELS.familyName, type: 'text', autocomplete: 'family-name', value: values.familyName, invalid: invalid('familyName'), autofocus: focus === 'familyName' })}
      <fieldset>
        <legend>To register you must agree to the terms and conditions</legend>
        ${choice({ type: 'checkbox', id: 'tos', name: 'tos', value: CONSENT_VALUE, label: LABELS.termsOfService, checked: values.tos === true, invalid: invalid('tos'), autofocus: focus === 'tos' })}
        ${choice({ type: 'checkbox', id: 'privacyPolicy', name: 'privacyPolicy', value: CONSENT_VALUE, label: LABELS.privacyPolicy, checked: values.privacyPolicy === true, invalid: invalid('privacyPolicy'), autofocus: focus === 'privacyPolicy' })}
        <p class="hint">Dev-only placeholders: the local provider has no legal texts.</p>
      </fieldset>
      <fieldset>
        <legend>How you will sign in</legend>
        ${choice({ type: 'radio', id: 'method-passkey', name: 'method', value: 'passkey', label: LABELS.passkeyMethod, checked: method === 'passkey', invalid: invalid('method'), autofocus: focus === 'method' })}
        ${choice({ type: 'radio', id: 'method-password', name: 'method', value: 'password', label: LABELS.passwordMethod, checked: method === 'password', invalid: false })}
      </fieldset>
      <div class="actions">
        <button type="submit" class="primary">${LABELS.continue}</button>
      </div>
    </form>
    <div class="actions">${cancelForm(model.uid)}</div>
    <p class="switch">Already have an account? <a href="${interactionPath(model.uid)}?view=login">${LABELS.logIn}</a></p>`;
  return renderPage('Create account', body);
}

export interface RegistrationPasswordPageModel {
  uid: string;
  details: RegistrationDetails;
  error?: string | undefined;
  invalidField?: 'password' | 'confirmPassword' | undefined;
  /** Rules the last submitted password broke; marked as not met in the list. */
  unmetRules?: readonly PasswordRule[];
}

/** Step 2: the password, its confirmation and ZITADEL's default complexity rules. */
export function renderRegistrationPasswordPage(model: RegistrationPasswordPageModel): string {
  const unmet = new Set(model.unmetRules ?? []);
  const rules = html`<ul class="rules">${PASSWORD_RULES.map(({ rule, text }) =>
    unmet.has(rule)
      ? html`<li class="unmet">${text} <span class="rule-state">(not met)</span></li>`
      : html`<li>${text}</li>`,
  )}</ul>`;
  const body = html`<h1>Set your password</h1>
    <p>for ${model.details.email}</p>
    ${errorSummary(model.error)}
    <form method="post" action="${interactionPath(model.uid, 'register/password')}" novalidate>
      ${hiddenFields(registrationDetailsAsFields(model.details))}
      ${field({ id: 'password', label: LABELS.password, type: 'password', autocomplete: 'new-password', invalid: model.invalidField === 'password', hint: rules, autofocus: model.invalidField !== 'confirmPassword' })}
      ${field({ id: 'confirmPassword', label: LABELS.confirmPassword, type: 'password', autocomplete: 'new-password', invalid: model.invalidField === 'confirmPassword', autofocus: model.invalidField === 'confirmPassword' })}
      <div class="actions">
        <button type="submit" class="primary">${LABELS.createAccount}</button>
      </div>
    </form>
    <div class="actions">${cancelForm(model.uid)}</div>`;
  return renderPage('Set your password', body);
}
