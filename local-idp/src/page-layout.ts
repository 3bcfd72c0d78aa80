import { html, type SafeHtml, trustedHtml } from './html';
import { STYLES } from './page-styles';
import { SHOW_PASSWORD_SCRIPT } from './show-password';

/**
 * Shared page chrome; every page states that it is a local development IdP, not ZITADEL.
 * `headScript`: trusted constant markup for pages served by oidc-provider (no CSP of ours there).
 */
export function renderPage(title: string, body: SafeHtml, headScript?: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>${title} – Liverty Music (local IdP)</title>
  <style>${STYLES}</style>
  ${headScript ?? ''}
</head>
<body>
  <main>
    <p class="dev-banner" role="note">Local development identity provider (dev-only). Not for real accounts.</p>
    <div class="card">
    ${body}
    </div>
  </main>
  ${SHOW_PASSWORD_SCRIPT}
</body>
</html>
`.value;
}

/**
 * The end-session confirmation: oidc-provider's form (trusted markup it built), submitted by script
 * at once, with its button shown to browsers without scripts, inside the same chrome as every page.
 */
export function renderLogoutConfirmation(form: string): string {
  return renderPage(
    'Logging out',
    html`<h1>Logging out…</h1>
    <p>You are being logged out of Liverty Music.</p>
    ${trustedHtml(form)}`,
    trustedHtml(
      "<script>document.addEventListener('DOMContentLoaded', function () { document.forms[0].submit(); });</script>",
    ),
  );
}
