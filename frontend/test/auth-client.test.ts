import { ErrorResponse, type UserManager } from 'oidc-client-ts';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { onSessionChange, returnedFromSignOut, sessionKey } from '../src/auth/auth-client';
import { createAuthClient, explainSigninError } from '../src/auth/oidc-auth-client';

describe('the OIDC auth client', () => {
  it('starts signup with prompt=create and isRegistration in the OIDC state', async () => {
    const signinRedirect = vi.fn(async () => {});
    const auth = createAuthClient({ signinRedirect } as unknown as UserManager);
    await auth.signUp();
    expect(signinRedirect).toHaveBeenCalledWith({
      prompt: 'create',
      state: { isRegistration: true },
    });
  });

  it('starts login without a prompt or state', async () => {
    const signinRedirect = vi.fn(async () => {});
    await createAuthClient({ signinRedirect } as unknown as UserManager).logIn();
    expect(signinRedirect).toHaveBeenCalledWith();
  });

  it('reads isRegistration back from the state and redeems the code once', async () => {
    const signinRedirectCallback = vi.fn(async () => ({
      access_token: 'at',
      profile: { name: 'Minnie' },
      state: { isRegistration: true },
    }));
    const auth = createAuthClient({ signinRedirectCallback } as unknown as UserManager);
    const [first, second] = await Promise.all([auth.completeSignin(), auth.completeSignin()]);
    expect(first).toEqual({ accessToken: 'at', name: 'Minnie', isRegistration: true });
    expect(second).toBe(first);
    expect(signinRedirectCallback).toHaveBeenCalledOnce();
  });

  it('treats a missing state as a login', async () => {
    const auth = createAuthClient({
      signinRedirectCallback: async () => ({ access_token: 'at', profile: {}, state: undefined }),
    } as unknown as UserManager);
    expect((await auth.completeSignin()).isRegistration).toBe(false);
  });

  it('explains cancel, tampered state and other failures', () => {
    expect(explainSigninError(new ErrorResponse({ error: 'access_denied' })).reason).toBe(
      'cancelled',
    );
    // prompt=none found no session at the provider: also nothing to apologise for.
    expect(explainSigninError(new ErrorResponse({ error: 'login_required' })).reason).toBe(
      'cancelled',
    );
    expect(explainSigninError(new ErrorResponse({ error: 'server_error' })).reason).toBe('failed');
    expect(explainSigninError(new Error('No matching state found in storage')).reason).toBe(
      'invalid',
    );
    expect(explainSigninError(new Error('network down')).reason).toBe('failed');
  });
});

/** A stored oidc-client-ts user, as far as currentSession reads it. */
const storedUser = (expired: boolean, refreshToken?: string) => ({
  access_token: expired ? 'old' : 'fresh',
  refresh_token: refreshToken,
  expired,
  profile: { name: 'Minnie' },
});

describe('staying signed in (decision 033)', () => {
  it('uses a stored, unexpired session without asking the provider', async () => {
    const signinSilent = vi.fn();
    const auth = createAuthClient({
      getUser: async () => storedUser(false, 'rt'),
      signinSilent,
    } as unknown as UserManager);
    expect(await auth.currentSession()).toEqual({ accessToken: 'fresh', name: 'Minnie' });
    expect(signinSilent).not.toHaveBeenCalled();
  });

  it('renews an expired session with its refresh token', async () => {
    let user = storedUser(true, 'rt-1');
    const signinSilent = vi.fn(async () => {
      user = storedUser(false, 'rt-2');
      return user;
    });
    const auth = createAuthClient({
      getUser: async () => user,
      signinSilent,
    } as unknown as UserManager);
    expect(await auth.currentSession()).toEqual({ accessToken: 'fresh', name: 'Minnie' });
    expect(signinSilent).toHaveBeenCalledOnce();
  });

  it('lets two tabs renew one at a time: the second uses what the first stored', async () => {
    // A Web Lock as the browser grants it: one holder at a time, in request order.
    let queue = Promise.resolve();
    vi.stubGlobal('navigator', {
      locks: {
        request: (_name: string, run: () => Promise<unknown>) => {
          const turn = queue.then(run);
          queue = turn.then(
            () => {},
            () => {},
          );
          return turn;
        },
      },
    });
    onTestFinished(() => {
      vi.unstubAllGlobals();
    });
    // Both tabs read the same localStorage entry.
    let stored = storedUser(true, 'rt-1');
    const signinSilent = vi.fn(async () => {
      // Rotation: redeeming rt-1 a second time would fail at the provider.
      if (stored.refresh_token !== 'rt-1') throw new ErrorResponse({ error: 'invalid_grant' });
      stored = storedUser(false, 'rt-2');
      return stored;
    });
    const tab = () =>
      createAuthClient({
        getUser: async () => stored,
        signinSilent,
        removeUser: async () => {},
      } as unknown as UserManager);
    const [first, second] = await Promise.all([tab().currentSession(), tab().currentSession()]);
    expect(first?.accessToken).toBe('fresh');
    expect(second?.accessToken).toBe('fresh');
    expect(signinSilent).toHaveBeenCalledOnce();
  });

  it('forgets the session when the provider refuses the refresh token (signed out there)', async () => {
    const removeUser = vi.fn(async () => {});
    const auth = createAuthClient({
      getUser: async () => storedUser(true, 'revoked'),
      signinSilent: async () => {
        throw new ErrorResponse({ error: 'invalid_grant' });
      },
      removeUser,
    } as unknown as UserManager);
    expect(await auth.currentSession()).toBeNull();
    expect(removeUser).toHaveBeenCalledOnce();
  });

  it('keeps the session when the provider could not be reached: that is no answer', async () => {
    const removeUser = vi.fn(async () => {});
    const auth = createAuthClient({
      getUser: async () => storedUser(true, 'rt'),
      signinSilent: async () => {
        throw new TypeError('Failed to fetch');
      },
      removeUser,
    } as unknown as UserManager);
    await expect(auth.currentSession()).rejects.toThrow('Failed to fetch');
    expect(removeUser).not.toHaveBeenCalled();
  });
});

describe('other tabs and the return from signing out', () => {
  const config = { oidcAuthority: 'http://127.0.0.1:8080', oidcClientId: 'spa' };

  it('hears another tab sign out or in, and ignores other keys', () => {
    const heard: boolean[] = [];
    const stop = onSessionChange(config, (signedIn) => heard.push(signedIn));
    const fire = (key: string | null, newValue: string | null) =>
      window.dispatchEvent(new StorageEvent('storage', { key, newValue }));
    fire(sessionKey(config), null);
    fire(sessionKey(config), '{"access_token":"x"}');
    fire('oidc.some-state', null);
    stop();
    fire(sessionKey(config), null);
    expect(heard).toEqual([false, true]);
  });

  it('recognises only a sign-out state this browser stored, and cleans the address', () => {
    window.localStorage.setItem('oidc.abc', '{}');
    window.history.replaceState(null, '', '/?state=abc');
    expect(returnedFromSignOut()).toBe(true);
    expect(window.location.search).toBe('');
    expect(window.localStorage.getItem('oidc.abc')).toBeNull();
    // Tried: a link carrying a made-up state, and the same state a second time.
    window.history.replaceState(null, '', '/?state=forged');
    expect(returnedFromSignOut()).toBe(false);
    window.history.replaceState(null, '', '/?state=abc');
    expect(returnedFromSignOut()).toBe(false);
    window.history.replaceState(null, '', '/');
    expect(returnedFromSignOut()).toBe(false);
  });
});
