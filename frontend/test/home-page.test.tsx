import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { HomePage } from '../src/pages/home-page';
import { fakeAuth, minnie, userClientWith } from './fixtures';

describe('the home page', () => {
  it('offers Sign up and Log in when signed out', async () => {
    const auth = fakeAuth();
    render(<HomePage auth={auth} userClient={userClientWith(async () => ({ user: minnie }))} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Sign up' }));
    expect(auth.signUp).toHaveBeenCalledOnce();
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(auth.logIn).toHaveBeenCalledOnce();
  });

  it('shows the name, the app id and Log out when signed in', async () => {
    const auth = fakeAuth({ currentSession: async () => ({ accessToken: 't', name: 'Minnie' }) });
    render(
      <HomePage
        auth={auth}
        userClient={userClientWith(
          async () => {
            throw new Error('the home page must not create accounts');
          },
          async (_request, context) => {
            expect(context.requestHeader.get('authorization')).toBe('Bearer t');
            return { user: minnie };
          },
        )}
      />,
    );
    expect(await screen.findByText('Minnie Mouse')).toBeInTheDocument();
    expect(screen.getByText(minnie.id)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Log out' }));
    expect(auth.logOut).toHaveBeenCalledOnce();
  });
});
