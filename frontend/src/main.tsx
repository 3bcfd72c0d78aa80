import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createUserClient } from './api/create-user-client';
import { App } from './app';
import { createAuthClient } from './auth/auth-client';
import { createUserManager } from './auth/create-user-manager';
import { loadConfig } from './config/load-config';
import './styles.css';

const root = createRoot(document.getElementById('root') as HTMLElement);

try {
  const config = await loadConfig();
  const auth = createAuthClient(createUserManager(config));
  root.render(
    <StrictMode>
      <App auth={auth} userClient={createUserClient(config.apiBaseUrl)} />
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
