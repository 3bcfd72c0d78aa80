import { lazy, Suspense } from 'react';
import type { UserClient } from './api/create-user-client';
import type { AuthClient } from './auth/auth-client';
import { HomePage } from './pages/home-page';

// The callback and its API client load only on /callback.
const CallbackPage = lazy(() =>
  import('./pages/callback-page').then((module) => ({ default: module.CallbackPage })),
);

// Two routes do not justify a router dependency in the bundle.
export function App({ auth, userClient }: { auth: AuthClient; userClient: UserClient }) {
  if (window.location.pathname === '/callback') {
    return (
      <Suspense fallback={<p role="status">Finishing sign-in…</p>}>
        <CallbackPage auth={auth} userClient={userClient} />
      </Suspense>
    );
  }
  return <HomePage auth={auth} userClient={userClient} />;
}
