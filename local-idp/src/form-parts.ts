import { html, type SafeHtml } from './html';
import { showPasswordButton } from './show-password';

/** The building blocks of the hosted forms: labelled inputs that announce their errors. */

/** One field's problem; `message` is plain text, `extra` optional markup after it (a link). */
export interface FieldProblem {
  field: string;
  message: string;
  extra?: SafeHtml;
}

/** A problem with the whole submission (no field to blame), e.g. a refused registration. */
export interface FormProblem {
  message: string;
  detail?: string | undefined;
}

// role=alert makes screen readers announce the problems when the re-rendered page loads.
export function formError(problem: FormProblem | undefined): SafeHtml {
  if (!problem) return html``;
  return html`<div class="error-summary" role="alert" id="form-error"><p>${problem.message}</p>${
    problem.detail
      ? html`
<p class="detail">${problem.detail}</p>`
      : ''
  }</div>`;
}

/** Every field's problem at once, each a link to its field (the field repeats it beside itself). */
export function errorSummary(problems: readonly FieldProblem[], idFor = (field: string) => field) {
  if (problems.length === 0) return html``;
  // One consent message covers both checkboxes: list it once.
  const messages = [...new Map(problems.map((p) => [p.message, p])).values()];
  return html`<div class="error-summary" role="alert" id="form-error"><ul>${messages.map(
    (problem) => html`<li><a href="#${idFor(problem.field)}">${problem.message}</a></li>`,
  )}</ul></div>`;
}

export function fieldError(id: string, problem: FieldProblem | undefined): SafeHtml {
  return problem
    ? html`<p class="field-error" id="${id}-error">${problem.message}${
        problem.extra ? html`${problem.message.endsWith('.') ? '' : '.'} ${problem.extra}` : ''
      }</p>`
    : html``;
}

function describedBy(...ids: (string | false | undefined)[]): SafeHtml {
  const value = ids.filter(Boolean).join(' ');
  return value ? html`aria-describedby="${value}"` : html``;
}

export function field(options: {
  id: string;
  label: string;
  type: 'email' | 'text' | 'password';
  autocomplete: string;
  /** Never given for a password: typed passwords are not echoed back into the page. */
  value?: string | undefined;
  problem?: FieldProblem | undefined;
  /** The field is wrong because of a form-level error (e.g. invalid credentials). */
  invalidByForm?: boolean;
  hint?: SafeHtml | string;
  autofocus?: boolean;
  /** Password fields: the toggle's text, to tell two toggles on one page apart. */
  toggleLabel?: string;
}): SafeHtml {
  const invalid = options.problem !== undefined || options.invalidByForm === true;
  const input = html`<input id="${options.id}" name="${options.id}" type="${options.type}" autocomplete="${options.autocomplete}"
        ${options.value !== undefined && options.type !== 'password' ? html`value="${options.value}"` : ''}
        ${describedBy(
          options.problem && `${options.id}-error`,
          options.hint !== undefined && `${options.id}-hint`,
          options.invalidByForm && 'form-error',
        )}
        ${invalid ? html`aria-invalid="true"` : ''}
        ${options.autofocus ? html`autofocus` : ''}>`;
  return html`<div class="field">
      <label for="${options.id}">${options.label}</label>
      ${fieldError(options.id, options.problem)}
      ${
        options.type === 'password'
          ? html`<div class="password-row">${input}${showPasswordButton(options.id, options.toggleLabel)}</div>`
          : input
      }
      ${options.hint !== undefined ? html`<div class="hint" id="${options.id}-hint">${options.hint}</div>` : ''}
    </div>`;
}

/** A checkbox or radio button with its label beside it. */
export function choice(options: {
  type: 'checkbox' | 'radio';
  id: string;
  name: string;
  value: string;
  label: string;
  checked: boolean;
  problem?: FieldProblem | undefined;
  autofocus?: boolean;
}): SafeHtml {
  return html`<div class="choice">
      <input type="${options.type}" id="${options.id}" name="${options.name}" value="${options.value}"
        ${options.checked ? html`checked` : ''}
        ${describedBy(options.problem && `${options.id}-error`)}
        ${options.problem ? html`aria-invalid="true"` : ''}
        ${options.autofocus ? html`autofocus` : ''}>
      <label for="${options.id}">${options.label}</label>
    </div>
    ${fieldError(options.id, options.problem)}`;
}

export function hiddenFields(values: Record<string, string>): SafeHtml {
  return html`${Object.entries(values).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}`;
}
