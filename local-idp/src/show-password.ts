import { createHash } from 'node:crypto';
import { html, type SafeHtml, trustedHtml } from './html';

/**
 * The show-password toggle: a real button (name "Show password", state in aria-pressed) that
 * switches its input between type=password and type=text. The button is rendered hidden and only
 * this script reveals it, so a browser without scripts never shows a button that does nothing.
 * The pages allow no other script: the Content-Security-Policy names this one by its hash.
 */
export const SHOW_PASSWORD_LABEL = 'Show password';

const SCRIPT = `document.querySelectorAll('button[data-show-password]').forEach(function (button) {
  var input = document.getElementById(button.getAttribute('aria-controls'));
  if (!input) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    var show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    button.setAttribute('aria-pressed', String(show));
  });
});`;

export const SHOW_PASSWORD_SCRIPT_HASH = `sha256-${createHash('sha256').update(SCRIPT).digest('base64')}`;

// Trusted constant markup: the script above, verbatim (its hash must match byte for byte).
export const SHOW_PASSWORD_SCRIPT = trustedHtml(`<script>${SCRIPT}</script>`);

/** The toggle for the password input `inputId`; `label` tells two toggles on one page apart. */
export function showPasswordButton(inputId: string, label = SHOW_PASSWORD_LABEL): SafeHtml {
  return html`<button type="button" class="show-password" data-show-password aria-controls="${inputId}" aria-pressed="false" hidden>${label}</button>`;
}
