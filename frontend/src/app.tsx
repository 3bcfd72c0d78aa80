import type { UserClient } from './api/create-user-client';
import type { AuthClient } from './auth/auth-client';
import { CallbackPage } from './pages/callback-page';
import { HomePage } from './pages/home-page';

// Two routes do not justify a router dependency in the bundle.
export function App({ auth, userClient }: { auth: AuthClient; userClient: UserClient }) {
  if (window.location.pathname === '/callback') {
    return <CallbackPage auth={auth} userClient={userClient} />;
  }
  return <HomePage auth={auth} userClient={userClient} />;
}
