import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { HomePage } from '../src/pages/home-page';
import { NotFoundPage } from '../src/pages/not-found-page';
import { fakeAuth, minnie, userClientWith } from './fixtures';

// The account page is a lazy chunk: its first import may take longer than one second on a busy machine.
const LAZY_PAGE = { timeout: 10_000 };
const ACCOUNT_URL = 'http://127.0.0.1:8080/ui/console/users/me';
const noAccounts = userClientWith(async () => {
  throw new Error('the home page must not create accounts');
});

describe('the home page', () => {
  it('offers Sign up and Log in when signed out', async () => {
    const auth = fakeAuth();
    render(<HomePage auth={auth} userClient={noAccounts} accountUrl={ACCOUNT_URL} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Sign up' }));
    expect(auth.signUp).toHaveBeenCalledOnce();
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(auth.logIn).toHaveBeenCalledOnce();
    expect(screen.queryByText('You are signed out')).not.toBeInTheDocument();
  });

  it('is the account page when signed in: profile, Manage your account, Sign out', async () => {
    const auth = fakeAuth({ currentSession: async () => ({ accessToken: 't', name: 'Minnie' }) });
    render(
      <HomePage
        auth={auth}
        accountUrl={ACCOUNT_URL}
        userClient={userClientWith(
          async () => {
            throw new Error('the home page must not create accounts');
          },
          async (_request, context) => {
            expect(context.requestHeader.get('authorization')).toBe('Bearer t');
            return { user: { ...minnie, emailVerified: true } };
          },
        )}
      />,
    );
    // The heading survives a reload: it is this page's, not the callback's.
    expect(await screen.findByRole('heading', { name: 'Your account' }, LAZY_PAGE)).toHaveFocus();
    expect(screen.getByText('Minnie Mouse')).toBeInTheDocument();
    expect(screen.getByText('verified')).toBeInTheDocument();
    expect(screen.queryByText(minnie.id)).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Manage your account' })).toHaveAttribute(
      'href',
      ACCOUNT_URL,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(auth.logOut).toHaveBeenCalledOnce();
  });

  it('says "You are signed out" when the provider has just sent the person back', async () => {
    render(
      <HomePage auth={fakeAuth()} userClient={noAccounts} accountUrl={ACCOUNT_URL} justSignedOut />,
    );
    expect(await screen.findByRole('heading', { name: 'You are signed out' })).toHaveFocus();
    expect(screen.getByRole('button', { name: 'Log in' })).toBeInTheDocument();
  });

  it('signs out when another tab signs out, and signs in when another tab signs in', async () => {
    let signedIn = true;
    let notify: (signedIn: boolean) => void = () => {};
    const auth = fakeAuth({
      currentSession: async () => (signedIn ? { accessToken: 't', name: 'Minnie' } : null),
    });
    render(
      <HomePage
        auth={auth}
        userClient={userClientWith(async () => ({ user: minnie, created: false }))}
        accountUrl={ACCOUNT_URL}
        watchSession={(listener) => {
          notify = listener;
          return () => {};
        }}
      />,
    );
    expect(
      await screen.findByRole('heading', { name: 'Your account' }, LAZY_PAGE),
    ).toBeInTheDocument();
    signedIn = false;
    act(() => notify(false));
    expect(await screen.findByRole('heading', { name: 'You are signed out' })).toBeInTheDocument();
    expect(screen.getByText(/signed out in another tab/)).toBeInTheDocument();
    signedIn = true;
    act(() => notify(true));
    expect(
      await screen.findByRole('heading', { name: 'Your account' }, LAZY_PAGE),
    ).toBeInTheDocument();
  });
});

describe('an unknown address', () => {
  it('is a "Page not found" page with the way back, not the home page', () => {
    render(<NotFoundPage path="/no-such-page" />);
    expect(screen.getByRole('heading', { name: 'Page not found' })).toHaveFocus();
    expect(screen.getByText('/no-such-page')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /start page/ })).toHaveAttribute('href', '/');
    expect(screen.queryByRole('button', { name: 'Sign up' })).not.toBeInTheDocument();
  });
});
