import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { CallbackPage, type CallbackPageProps } from '../pages/callback-page';
import { StartupError } from '../pages/startup-error';

/**
 * The callback's React half. callback-main.tsx imports it only after the code exchange has begun,
 * so React's own start-up runs while the token request is on the network.
 */
export function renderCallback(props: CallbackPageProps | { error: unknown }) {
  const root = createRoot(document.getElementById('root') as HTMLElement);
  root.render(
    'error' in props ? (
      <StartupError error={props.error} />
    ) : (
      <StrictMode>
        <CallbackPage {...props} />
      </StrictMode>
    ),
  );
}
