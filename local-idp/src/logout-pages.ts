import type { KoaContextWithOIDC } from 'oidc-provider';
import { html } from './html';
import { renderLogoutConfirmation, renderPage } from './page-layout';

/**
 * ZITADEL ends the session without asking when the app sends `id_token_hint` and a registered
 * `post_logout_redirect_uri`. oidc-provider always renders a confirmation form, so ours submits
 * itself (with "log out of everything") and offers a button only when scripts are disabled.
 */
export async function renderAutoSubmittingLogout(
  ctx: KoaContextWithOIDC,
  form: string,
): Promise<void> {
  const autoSubmittingForm = form.replace(
    '</form>',
    '<input type="hidden" name="logout" value="yes"/><noscript><button type="submit" autofocus>Log out</button></noscript></form>',
  );
  ctx.type = 'html';
  ctx.body = renderLogoutConfirmation(autoSubmittingForm);
}

export async function renderLoggedOut(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.type = 'html';
  ctx.body = renderPage(
    'Logged out',
    html`<h1>You are logged out</h1><p>You can close this window.</p>`,
  );
}
