import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import type { AppConfig } from '../config/load-config';

export function createUserManager(config: AppConfig, origin = window.location.origin) {
  return new UserManager({
    authority: config.oidcAuthority,
    // From config.json when the deployment wrote it: no discovery request before the token.
    metadata: config.oidcMetadata,
    client_id: config.oidcClientId,
    redirect_uri: `${origin}/callback`,
    post_logout_redirect_uri: `${origin}/`,
    // Authorization code flow; oidc-client-ts always adds PKCE (S256) to it.
    response_type: 'code',
    // offline_access: a refresh token, which ZITADEL rotates on every use (decision 033).
    scope: ['openid', 'profile', 'email', 'offline_access', config.oidcExtraScope]
      .filter(Boolean)
      .join(' '),
    // Shared by every tab and kept across browser restarts, until the person signs out or the
    // provider ends the session (decision 033 weighs this against sessionStorage).
    userStore: new WebStorageStateStore({ store: window.localStorage }),
    // The profile comes from the backend's GetOrCreate, which asks userinfo itself.
    loadUserInfo: false,
    // Renewal happens when a page finds the access token expired (oidc-auth-client.ts), under a
    // lock shared by all tabs: timers in several tabs would race to rotate one refresh token.
    automaticSilentRenew: false,
  });
}
