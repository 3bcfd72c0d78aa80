import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import { html } from './html';
import { sendHtml } from './http-io';
import { renderPage } from './page-layout';
import { displayName } from './user-account-input';
import type { UserAccounts } from './user-accounts';
import type { User } from './user-store';

/**
 * The self-service account page at ZITADEL Console's path for the signed-in user's own record
 * (`/ui/console/users/me`, Console's auth-user-detail page), so an app can link to
 * `${issuer}/ui/console/users/me` against either provider. It reads the provider's own session
 * cookie (the one a sign-in left) and shows only what the person may see about themselves.
 */
export const ACCOUNT_PAGE_PATH = '/ui/console/users/me';

export const ACCOUNT_TEXT = {
  title: 'Your account',
  name: 'Name',
  email: 'Email',
  emailStatus: 'Email status',
  verified: 'Verified',
  notVerified: 'Not verified yet',
  signedOutTitle: 'You are not signed in',
  backToApp: 'Back to Liverty Music',
  logInThroughApp: 'Log in to Liverty Music',
} as const;

export interface AccountPageDeps {
  provider: () => Provider;
  users: UserAccounts;
  /** Where the app lives (the origin of its first redirect URI): sign-in starts there. */
  appUrl: string;
}

export async function handleAccountPage(
  req: IncomingMessage,
  res: ServerResponse,
  deps: AccountPageDeps,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': '0' }).end();
    return;
  }
  // oidc-provider's own reading of its signed session cookie; an unknown or forged one is no session.
  const session = await deps.provider().Session.get({ req, res } as never);
  const user = session.accountId ? deps.users.get(session.accountId) : undefined;
  if (user?.state !== 'active') {
    sendHtml(res, 200, renderSignedOutPage(deps.appUrl));
    return;
  }
  sendHtml(res, 200, renderAccountPage(user, deps.appUrl));
}

export function renderAccountPage(user: User, appUrl: string): string {
  const t = ACCOUNT_TEXT;
  const body = html`<h1>${t.title}</h1>
    <dl>
      <dt>${t.name}</dt><dd>${displayName(user)}</dd>
      <dt>${t.email}</dt><dd>${user.email}</dd>
      <dt>${t.emailStatus}</dt><dd>${user.emailVerified ? t.verified : t.notVerified}</dd>
    </dl>
    <p class="hint">Changes to these details are made by an administrator of this local provider.</p>
    <p class="switch"><a href="${appUrl}">${t.backToApp}</a></p>`;
  return renderPage(t.title, body);
}

/**
 * Without a session there is nothing to show. The sign-in belongs to the app (this provider has no
 * login of its own outside a sign-in request), so the page sends the person there.
 */
function renderSignedOutPage(appUrl: string): string {
  const t = ACCOUNT_TEXT;
  const body = html`<h1>${t.signedOutTitle}</h1>
    <p>Your account page needs you to be signed in. Log in through the app, then open this page again.</p>
    <p class="switch"><a href="${appUrl}">${t.logInThroughApp}</a></p>`;
  return renderPage(t.signedOutTitle, body);
}
