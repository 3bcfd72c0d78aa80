import { html } from './html';
import { renderPage } from './page-layout';

/**
 * oidc-provider's error page (an unknown client, a bad redirect URI, a broken request): what
 * happened and what to do in words, then the protocol error for whoever debugs the app.
 */
export function renderOidcErrorPage(out: object): string {
  return renderPage(
    'Something went wrong',
    html`<h1>Something went wrong</h1>
      <p role="alert">The sign-in request could not be completed.</p>
      <p>Go back to the app and start signing in again. If this keeps happening, the app sent a
        request this provider does not accept; the details below say why.</p>
      <h2>Details</h2>
      <dl>${Object.entries(out).map(([key, value]) => html`<dt>${key}</dt><dd>${String(value)}</dd>`)}</dl>`,
  );
}
