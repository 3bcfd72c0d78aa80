import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createUserClient } from './api/create-user-client';
import { App } from './app';
import { createLazyAuthClient } from './auth/auth-client';
import { loadConfig } from './config/load-config';
import './styles.css';

// On /callback everything is needed at once: start the lazy chunks in parallel rather than one
// after another as each is first used.
const onCallback = window.location.pathname === '/callback';
const callbackModule = onCallback ? import('./pages/callback-page') : undefined;
if (onCallback) {
  void import('./auth/oidc-auth-client');
  void import('@connectrpc/connect-web');
  void import('@liverty-music/gen/user/v1');
}

const root = createRoot(document.getElementById('root') as HTMLElement);

try {
  const config = await loadConfig();
  const auth = createLazyAuthClient(config);
  root.render(
    <StrictMode>
      <App
        auth={auth}
        userClient={createUserClient(config.apiBaseUrl)}
        callbackPage={(await callbackModule)?.CallbackPage}
      />
    </StrictMode>,
  );
} catch (error) {
  root.render(
    <main>
      <h1>liverty-music cannot start</h1>
      <p role="alert">
        The app's configuration could not be loaded:{' '}
        {error instanceof Error ? error.message : String(error)}
      </p>
      <button type="button" onClick={() => window.location.reload()}>
        Try again
      </button>
    </main>,
  );
}
