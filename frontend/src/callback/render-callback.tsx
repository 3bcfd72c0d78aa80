import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { CallbackPage, type CallbackPageProps } from '../pages/callback-page';
import { StartupError } from '../pages/startup-error';

/**
 * The callback's React half. callback-main.tsx imports it only once the token has arrived and
 * GetOrCreate is under way, so React's own start-up runs while that request travels.
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
