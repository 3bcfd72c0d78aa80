import type { ComponentType } from 'react';
import type { UserClient } from './api/create-user-client';
import type { AuthClient } from './auth/auth-client';
import type { CallbackPageProps } from './pages/callback-page';
import { HomePage } from './pages/home-page';

export interface AppProps {
  auth: AuthClient;
  userClient: UserClient;
  /**
   * The callback page, already loaded by main.tsx on /callback. Not React.lazy: React 19 reveals
   * suspended content no sooner than 300 ms after its fallback, which the callback would pay.
   */
  callbackPage?: ComponentType<CallbackPageProps> | undefined;
}

// Two routes do not justify a router dependency in the bundle.
export function App({ auth, userClient, callbackPage: CallbackPage }: AppProps) {
  if (window.location.pathname === '/callback' && CallbackPage) {
    return <CallbackPage auth={auth} userClient={userClient} />;
  }
  return <HomePage auth={auth} userClient={userClient} />;
}
