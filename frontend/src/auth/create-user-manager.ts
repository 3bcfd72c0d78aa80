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
    scope: ['openid', 'profile', 'email', config.oidcExtraScope].filter(Boolean).join(' '),
    // Tokens live only as long as the tab: nothing survives the browser session.
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    // The profile comes from the backend's GetOrCreate, which asks userinfo itself.
    loadUserInfo: false,
    // No silent renewal: it would frame the issuer (the CSP allows no frames, decision 019) and
    // the app has no silent-callback page. An expired session simply signs the person out.
    automaticSilentRenew: false,
  });
}
