import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createUserClient } from './api/create-user-client';
import { createLazyAuthClient } from './auth/auth-client';
import { loadConfig } from './config/load-config';
import { HomePage } from './pages/home-page';
import './styles.css';

// Servers send callback.html for /callback (nginx.conf, Vite); one that answers every path with
// index.html still gets a working callback, one chunk later.
if (window.location.pathname === '/callback') {
  await import('./callback-main');
} else {
  const root = createRoot(document.getElementById('root') as HTMLElement);
  try {
    const config = await loadConfig();
    root.render(
      <StrictMode>
        <HomePage
          auth={createLazyAuthClient(config)}
          userClient={createUserClient(config.apiBaseUrl)}
        />
      </StrictMode>,
    );
  } catch (error) {
    // Loaded only when needed: it lives with the callback's view (vite.config.ts).
    const { StartupError } = await import('./pages/startup-error');
    root.render(<StartupError error={error} />);
  }
}
