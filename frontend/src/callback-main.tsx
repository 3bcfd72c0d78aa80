// Entry of callback.html, where the identity provider sends people back. It is built for one
// thing: the account is ready as soon as the network allows. Each script runs while the network
// works for it: oidc-client-ts first, so the token request leaves at once; the API client while
// the token travels, so GetOrCreate follows the token at once; React, the largest, while
// GetOrCreate travels. callback.html preloads all of them, so none waits for its bytes.
import { createOidcAuthClient } from './auth/oidc-auth-client';
import { redeemCode } from './callback/redeem-code';
import { loadConfig } from './config/load-config';
import './styles.css';

performance.mark('callback-start');

const exchange = await loadConfig().then(
  (config) => {
    const auth = createOidcAuthClient(config);
    preconnect(config.apiBaseUrl);
    const signin = redeemCode(auth, () => window.history.replaceState(null, '', '/'));
    return { auth, signin, apiBaseUrl: config.apiBaseUrl, accountUrl: config.accountUrl };
  },
  (error: unknown) => ({ error }),
);

if ('error' in exchange) {
  await documentParsed();
  const { renderCallback } = await import('./callback/render-callback');
  renderCallback(exchange);
} else {
  // A dynamic import runs after the promise jobs that put the token request on the network.
  const { startProvisioning } = await import('./callback/start-provisioning');
  const { userClient, started } = startProvisioning(exchange.signin, exchange.apiBaseUrl);
  // Until React renders, callback.html shows a static "Finishing sign-in…".
  await exchange.signin.catch(() => {});
  await documentParsed();
  const { renderCallback } = await import('./callback/render-callback');
  renderCallback({ auth: exchange.auth, userClient, started, accountUrl: exchange.accountUrl });
}

/** callback.html runs this script `async`, as soon as it arrives: the page may still be parsing. */
async function documentParsed() {
  if (document.readyState !== 'loading') return;
  await new Promise((resolve) =>
    document.addEventListener('DOMContentLoaded', resolve, { once: true }),
  );
}

/** Opens the connection to the API while the token request runs (TLS included, in production). */
function preconnect(url: string) {
  const link = document.createElement('link');
  link.rel = 'preconnect';
  link.href = new URL(url).origin;
  // Connect's fetch sends no credentials cross-origin: it uses the anonymous connection pool.
  link.crossOrigin = 'anonymous';
  document.head.append(link);
}
