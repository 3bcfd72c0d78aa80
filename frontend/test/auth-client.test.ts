import { ErrorResponse, type UserManager } from 'oidc-client-ts';
import { describe, expect, it, vi } from 'vitest';
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
    expect(explainSigninError(new Error('No matching state found in storage')).reason).toBe(
      'invalid',
    );
    expect(explainSigninError(new Error('network down')).reason).toBe('failed');
  });
});
