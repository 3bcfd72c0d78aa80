import { Code, ConnectError } from '@connectrpc/connect';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { UserClient } from '../src/api/create-user-client';
import { SigninError } from '../src/auth/signin-error';
import { CallbackPage } from '../src/pages/callback-page';
import { fakeAuth, minnie, userClientWith } from './fixtures';

const noDelays = [0, 0, 0];
const ACCOUNT_URL = 'http://127.0.0.1:8080/ui/console/users/me';

/** What fetch does when nothing listens: Connect reports `unknown` over fetch's TypeError. */
function unreachableClient(onCall: () => void): UserClient {
  const refuse = async () => {
    onCall();
    throw new ConnectError(
      'fetch failed',
      Code.Unknown,
      undefined,
      undefined,
      new TypeError('Failed to fetch'),
    );
  };
  return { getOrCreate: refuse, getMe: refuse } as unknown as UserClient;
}

describe('the /callback page', () => {
  it('shows "Your account is ready" for a new user and sends the token and the hint', async () => {
    const getOrCreate = vi.fn(async (request, context) => {
      expect(context.requestHeader.get('authorization')).toBe('Bearer token-abc');
      expect(request.isRegistration).toBe(true);
      return { user: minnie, created: true };
    });
    const cleanUrl = vi.fn();
    render(
      <CallbackPage
        accountUrl={ACCOUNT_URL}
        auth={fakeAuth()}
        userClient={userClientWith(getOrCreate)}
        cleanUrl={cleanUrl}
        retryDelaysMs={noDelays}
      />,
    );
    expect(
      await screen.findByRole('heading', { name: 'Your account is ready' }),
    ).toBeInTheDocument();
    // Focus moves to the result, so a screen reader announces it.
    expect(screen.getByRole('heading', { level: 1 })).toHaveFocus();
    expect(screen.getByText('Minnie Mouse')).toBeInTheDocument();
    expect(screen.getByText('mini@mouse.com')).toBeInTheDocument();
    expect(screen.getByText('not verified yet')).toBeInTheDocument();
    // No raw ids: they mean nothing to the person.
    expect(screen.queryByText(minnie.id)).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Manage your account' })).toHaveAttribute(
      'href',
      ACCOUNT_URL,
    );
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeInTheDocument();
    expect(cleanUrl).toHaveBeenCalledOnce();
    expect(getOrCreate).toHaveBeenCalledOnce();
  });

  it('shows "Welcome back" with the name for an existing user', async () => {
    render(
      <CallbackPage
        accountUrl={ACCOUNT_URL}
        auth={fakeAuth({
          completeSignin: async () => ({ accessToken: 't', name: 'M', isRegistration: false }),
        })}
        userClient={userClientWith(async () => ({ user: minnie, created: false }))}
        cleanUrl={() => {}}
        retryDelaysMs={noDelays}
      />,
    );
    expect(
      await screen.findByRole('heading', { name: 'Welcome back, Minnie Mouse' }),
    ).toBeInTheDocument();
  });

  it('retries unavailable automatically before showing anything went wrong', async () => {
    let calls = 0;
    const getOrCreate = async () => {
      calls++;
      if (calls < 3) throw new ConnectError('database unavailable', Code.Unavailable);
      return { user: minnie, created: true };
    };
    render(
      <CallbackPage
        accountUrl={ACCOUNT_URL}
        auth={fakeAuth()}
        userClient={userClientWith(getOrCreate)}
        cleanUrl={() => {}}
        retryDelaysMs={noDelays}
      />,
    );
    expect(
      await screen.findByRole('heading', { name: 'Your account is ready' }),
    ).toBeInTheDocument();
    expect(calls).toBe(3);
  });

  it('shows a visible error with Retry once retries run out, and Retry recovers', async () => {
    let backendUp = false;
    let calls = 0;
    const getOrCreate = async () => {
      calls++;
      if (!backendUp) throw new ConnectError('database unavailable', Code.Unavailable);
      return { user: minnie, created: true };
    };
    render(
      <CallbackPage
        accountUrl={ACCOUNT_URL}
        auth={fakeAuth()}
        userClient={userClientWith(getOrCreate)}
        cleanUrl={() => {}}
        retryDelaysMs={noDelays}
      />,
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(/could not reach liverty-music/);
    expect(calls).toBe(4); // the first call and three automatic retries
    backendUp = true;
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(
      await screen.findByRole('heading', { name: 'Your account is ready' }),
    ).toBeInTheDocument();
  });

  it('gives up quickly when liverty-music is unreachable and says what is true for a login', async () => {
    let calls = 0;
    const auth = fakeAuth({
      completeSignin: async () => ({ accessToken: 't', name: 'M', isRegistration: false }),
    });
    const goHome = vi.fn();
    render(
      <CallbackPage
        accountUrl={ACCOUNT_URL}
        auth={auth}
        userClient={unreachableClient(() => calls++)}
        cleanUrl={() => {}}
        goHome={goHome}
        retryDelaysMs={noDelays}
      />,
    );
    expect(
      await screen.findByRole('heading', { name: 'We could not reach liverty-music' }),
    ).toHaveFocus();
    // The first call and one retry: a refused connection does not get the long backoff.
    expect(calls).toBe(2);
    expect(screen.getByRole('alert')).toHaveTextContent('Your account is safe');
    expect(screen.getByRole('alert')).not.toHaveTextContent(/set up/);
    await userEvent.click(screen.getByRole('button', { name: 'Back to start' }));
    expect(goHome).toHaveBeenCalledOnce();
    await userEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(auth.logOut).toHaveBeenCalledOnce();
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    // Retry tries again (once more after a quick second refusal) and says so again.
    await waitFor(() => expect(calls).toBe(4));
    expect(
      await screen.findByRole('heading', { name: 'We could not reach liverty-music' }),
    ).toBeInTheDocument();
  });

  it('tells a new person their sign-up worked when liverty-music is unreachable', async () => {
    render(
      <CallbackPage
        accountUrl={ACCOUNT_URL}
        auth={fakeAuth()}
        userClient={unreachableClient(() => {})}
        cleanUrl={() => {}}
        retryDelaysMs={noDelays}
      />,
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(
      /sign-up with the identity provider worked.*the next time you log in/,
    );
  });

  it('does not retry a rejected token and offers to log in again', async () => {
    const auth = fakeAuth();
    let calls = 0;
    render(
      <CallbackPage
        accountUrl={ACCOUNT_URL}
        auth={auth}
        userClient={userClientWith(async () => {
          calls++;
          throw new ConnectError('access token expired', Code.Unauthenticated);
        })}
        cleanUrl={() => {}}
        retryDelaysMs={noDelays}
      />,
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(/access token expired/);
    expect(calls).toBe(1);
    await userEvent.click(screen.getByRole('button', { name: 'Log in again' }));
    expect(auth.logIn).toHaveBeenCalledOnce();
  });

  it('answers a cancelled sign-in calmly, offers Sign up and Log in, never calls the API', async () => {
    const getOrCreate = vi.fn(async () => ({ user: minnie, created: true }));
    const auth = fakeAuth({
      completeSignin: async () => {
        throw new SigninError('You did not finish signing in, so nothing changed.', 'cancelled');
      },
    });
    render(
      <CallbackPage
        accountUrl={ACCOUNT_URL}
        auth={auth}
        userClient={userClientWith(getOrCreate)}
        cleanUrl={() => {}}
      />,
    );
    expect(await screen.findByRole('heading', { name: 'You are not signed in' })).toHaveFocus();
    // A notice, not an error: nothing went wrong.
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByText(/no account was created/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Sign up' }));
    expect(auth.signUp).toHaveBeenCalledOnce();
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(auth.logIn).toHaveBeenCalledOnce();
    expect(getOrCreate).not.toHaveBeenCalled();
  });

  it('shows a clear message for an unexpected sign-in failure (not a blank page)', async () => {
    render(
      <CallbackPage
        accountUrl={ACCOUNT_URL}
        auth={fakeAuth({
          completeSignin: async () => {
            throw new Error('boom');
          },
        })}
        userClient={userClientWith(async () => ({ user: minnie, created: true }))}
        cleanUrl={() => {}}
      />,
    );
    expect(await screen.findByRole('heading', { name: 'Sign-in failed' })).toBeInTheDocument();
  });
});
