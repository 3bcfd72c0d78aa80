import { html, type SafeHtml } from './html.ts';

/** The building blocks of the hosted forms: labelled inputs that announce their errors. */

export function errorSummary(error: string | undefined): SafeHtml {
  // role=alert makes screen readers announce the error when the re-rendered page loads.
  return error
    ? html`<div class="error-summary" role="alert" id="form-error">${error}</div>`
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
  value?: string | undefined;
  invalid: boolean;
  hint?: SafeHtml | string;
  autofocus?: boolean;
}): SafeHtml {
  return html`<div class="field">
      <label for="${options.id}">${options.label}</label>
      <input id="${options.id}" name="${options.id}" type="${options.type}" autocomplete="${options.autocomplete}"
        ${options.value !== undefined ? html`value="${options.value}"` : ''}
        ${describedBy(options.hint !== undefined && `${options.id}-hint`, options.invalid && 'form-error')}
        ${options.invalid ? html`aria-invalid="true"` : ''}
        ${options.autofocus ? html`autofocus` : ''}>
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
  invalid: boolean;
  autofocus?: boolean;
}): SafeHtml {
  return html`<div class="choice">
      <input type="${options.type}" id="${options.id}" name="${options.name}" value="${options.value}"
        ${options.checked ? html`checked` : ''}
        ${describedBy(options.invalid && 'form-error')}
        ${options.invalid ? html`aria-invalid="true"` : ''}
        ${options.autofocus ? html`autofocus` : ''}>
      <label for="${options.id}">${options.label}</label>
    </div>`;
}

export function hiddenFields(values: Record<string, string>): SafeHtml {
  return html`${Object.entries(values).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}`;
}
