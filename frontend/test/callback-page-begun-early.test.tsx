import { render, screen } from '@testing-library/react';
import { StrictMode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { CompletedSignin } from '../src/auth/auth-client';
import { SigninError } from '../src/auth/signin-error';
import { beginCallback } from '../src/callback/begin-callback';
import { CallbackPage } from '../src/pages/callback-page';
import { fakeAuth, minnie, userClientWith } from './fixtures';

// The callback begun in callback-main.tsx before React loads: CallbackPage shows its outcome.
const noDelays = [0, 0, 0];
const ACCOUNT_URL = 'http://127.0.0.1:8080/ui/console/users/me';

describe('the callback begun before React (callback-main.tsx)', () => {
  it('calls GetOrCreate the moment the token arrives, before any render', async () => {
    let deliverToken: (signin: CompletedSignin) => void = () => {};
    const signin = new Promise<CompletedSignin>((resolve) => {
      deliverToken = resolve;
    });
    const getOrCreate = vi.fn(async () => ({ user: minnie, created: true }));
    const started = beginCallback(signin, userClientWith(getOrCreate), noDelays);
    expect(getOrCreate).not.toHaveBeenCalled();
    deliverToken({ accessToken: 'token-abc', name: 'Minnie', isRegistration: true });
    expect((await started.account).created).toBe(true);
    expect(getOrCreate).toHaveBeenCalledOnce();
  });

  it('shows what was begun without redeeming the code a second time', async () => {
    const auth = fakeAuth();
    const userClient = userClientWith(async () => ({ user: minnie, created: true }));
    const started = beginCallback(auth.completeSignin(), userClient, noDelays);
    render(
      <StrictMode>
        <CallbackPage
          accountUrl={ACCOUNT_URL}
          auth={auth}
          userClient={userClient}
          started={started}
          cleanUrl={() => {}}
        />
      </StrictMode>,
    );
    expect(
      await screen.findByRole('heading', { name: 'Your account is ready' }),
    ).toBeInTheDocument();
    expect(auth.completeSignin).toHaveBeenCalledOnce();
  });

  it('shows a refused sign-in that was begun early, and never calls the API', async () => {
    const getOrCreate = vi.fn(async () => ({ user: minnie, created: true }));
    const userClient = userClientWith(getOrCreate);
    const signin = Promise.reject(
      new SigninError(
        'This sign-in link is invalid or has expired. Please start again.',
        'invalid',
      ),
    );
    const started = beginCallback(signin, userClient, noDelays);
    render(
      <CallbackPage
        accountUrl={ACCOUNT_URL}
        auth={fakeAuth()}
        userClient={userClient}
        started={started}
      />,
    );
    expect(await screen.findByRole('heading', { name: 'Sign-in failed' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('invalid or has expired');
    expect(getOrCreate).not.toHaveBeenCalled();
  });
});
