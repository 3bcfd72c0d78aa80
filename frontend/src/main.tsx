import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createUserClient } from './api/create-user-client';
import { createLazyAuthClient, onSessionChange, returnedFromSignOut } from './auth/auth-client';
import { loadConfig } from './config/load-config';
import { HomePage } from './pages/home-page';
import { NotFoundPage } from './pages/not-found-page';
import './styles.css';

/** The addresses this document serves; servers send it for every other path too (as a 404). */
const HOME_PATHS = new Set(['/', '/index.html']);

// Servers send callback.html for /callback (nginx.conf, Vite); one that answers every path with
// index.html still gets a working callback, one chunk later.
if (window.location.pathname === '/callback') {
  await import('./callback-main');
} else if (!HOME_PATHS.has(window.location.pathname)) {
  // No configuration needed to say so, and nothing to wait for.
  createRoot(document.getElementById('root') as HTMLElement).render(
    <StrictMode>
      <NotFoundPage path={window.location.pathname} />
    </StrictMode>,
  );
} else {
  const root = createRoot(document.getElementById('root') as HTMLElement);
  try {
    const config = await loadConfig();
    root.render(
      <StrictMode>
        <HomePage
          auth={createLazyAuthClient(config)}
          userClient={createUserClient(config.apiBaseUrl)}
          accountUrl={config.accountUrl}
          justSignedOut={returnedFromSignOut()}
          watchSession={(listener) => onSessionChange(config, listener)}
        />
      </StrictMode>,
    );
  } catch (error) {
    // Loaded only when needed: it lives with the callback's view (vite.config.ts).
    const { StartupError } = await import('./pages/startup-error');
    root.render(<StartupError error={error} />);
  }
}
