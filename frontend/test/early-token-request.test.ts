import { OidcClient } from 'oidc-client-ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sessionKey } from '../src/auth/auth-client';
import { createUserManager } from '../src/auth/create-user-manager';
import { sendEarlyTokenRequest } from '../src/auth/early-token-request';
import { createAuthClient } from '../src/auth/oidc-auth-client';
import type { AppConfig } from '../src/config/load-config';

// sendEarlyTokenRequest and oidc-client-ts 3.5, real, against a token endpoint faked
// at `fetch`: the early request must be the one oidc-client-ts would send (decision 041).
const TOKEN_ENDPOINT = 'https://id.example.com/oauth/v2/token';
const config: AppConfig = {
  oidcAuthority: 'https://id.example.com',
  oidcClientId: 'client-1',
  oidcExtraScope: '',
  apiBaseUrl: 'https://api.example.com',
  accountUrl: 'https://id.example.com/ui/console/users/me',
  oidcMetadata: {
    issuer: 'https://id.example.com',
    authorization_endpoint: 'https://id.example.com/oauth/v2/authorize',
    token_endpoint: TOKEN_ENDPOINT,
  },
};

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
// oidc-client-ts decodes the ID token for its subject; the backend is what verifies tokens.
const idToken = `${base64url({ alg: 'none' })}.${base64url({ sub: 'u-1', name: 'Minnie' })}.`;
type Answer = () => Response | Promise<Response>;
const tokens =
  (accessToken: string): Answer =>
  () =>
    Response.json({ access_token: accessToken, token_type: 'Bearer', id_token: idToken });

/** Starts a sign-in as oidc-client-ts stores it, and comes back to /callback with a code. */
async function returnFromProvider(state: Record<string, unknown>) {
  const userManager = createUserManager(config);
  const request = await new OidcClient(userManager.settings).createSigninRequest({
    state,
    request_type: 'si:r',
  });
  window.history.replaceState(null, '', `/callback?code=the-code&state=${request.state.id}`);
  return { userManager, stateKey: `oidc.${request.state.id}` };
}

/** The token endpoint: answers in turn, and records what each request was. */
function fakeTokenEndpoint(...answers: Answer[]) {
  const requests: Record<string, unknown>[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push({ url: String(input), ...init, body: String(init?.body) });
    const answer = answers[requests.length - 1];
    if (!answer) throw new Error('no answer for this request');
    return answer();
  });
  vi.stubGlobal('fetch', fetch);
  return { fetch, requests };
}

const signedUp = { isRegistration: true, tokenEndpoint: TOKEN_ENDPOINT };

beforeEach(() => {
  localStorage.clear();
});
afterEach(() => {
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});

describe('the early token request', () => {
  it('is the request oidc-client-ts sends, and oidc-client-ts completes the sign-in from its answer', async () => {
    const { userManager, stateKey } = await returnFromProvider(signedUp);
    const stored = localStorage.getItem(stateKey) ?? '';
    const withoutEarly = fakeTokenEndpoint(tokens('at-normal'));
    await createAuthClient(userManager).completeSignin();
    // The same sign-in once more, from the same stored state, sent early.
    localStorage.clear();
    localStorage.setItem(stateKey, stored);
    const early = fakeTokenEndpoint(tokens('at-early'));
    sendEarlyTokenRequest();
    expect(early.fetch).toHaveBeenCalledOnce();

    const signin = await createAuthClient(userManager).completeSignin();

    expect(signin).toEqual({ accessToken: 'at-early', name: 'Minnie', isRegistration: true });
    expect(early.fetch).toHaveBeenCalledOnce();
    expect(early.requests).toEqual(withoutEarly.requests);
    // oidc-client-ts did the rest: the state is spent, the user stored, fetch is fetch again.
    expect(localStorage.getItem(stateKey)).toBeNull();
    expect(localStorage.getItem(sessionKey(config))).toContain('at-early');
    expect(globalThis.fetch).toBe(early.fetch);
  });

  it('brings a refusal to the page in the same words as the request oidc-client-ts sends', async () => {
    const refused: Answer = () =>
      Response.json({ error: 'invalid_grant', error_description: 'code expired' }, { status: 400 });
    const messages: unknown[] = [];
    for (const early of [false, true]) {
      localStorage.clear();
      const { userManager } = await returnFromProvider(signedUp);
      const { fetch } = fakeTokenEndpoint(refused);
      if (early) sendEarlyTokenRequest();
      messages.push(
        await createAuthClient(userManager)
          .completeSignin()
          .catch((e) => e.message),
      );
      expect(fetch).toHaveBeenCalledOnce();
    }
    expect(messages).toEqual([
      'The identity provider refused the sign-in (code expired).',
      'The identity provider refused the sign-in (code expired).',
    ]);
  });

  it('is not sent for a state this browser did not store, which is refused as before', async () => {
    await returnFromProvider({ tokenEndpoint: TOKEN_ENDPOINT });
    window.history.replaceState(null, '', '/callback?code=the-code&state=forged');
    const { fetch } = fakeTokenEndpoint(tokens('at'));
    sendEarlyTokenRequest();
    await expect(createAuthClient(createUserManager(config)).completeSignin()).rejects.toThrow(
      'This sign-in link is invalid or has expired. Please start again.',
    );
    expect(fetch).not.toHaveBeenCalled();
  });

  it.each([
    ['a sign-in started without the token endpoint (an older build)', {}, ''],
    ['the provider reporting an error', { tokenEndpoint: TOKEN_ENDPOINT }, '&error=x'],
  ])('is not sent for %s', async (_, state, extra) => {
    await returnFromProvider(state);
    window.history.replaceState(null, '', `${location.pathname}${location.search}${extra}`);
    const { fetch } = fakeTokenEndpoint(tokens('at'));
    sendEarlyTokenRequest();
    expect(fetch).not.toHaveBeenCalled();
  });

  it('leaves storage it cannot read to the normal path, without throwing', () => {
    window.history.replaceState(null, '', '/callback?code=the-code&state=s');
    localStorage.setItem('oidc.s', '{not json');
    const { fetch } = fakeTokenEndpoint(tokens('at'));
    expect(sendEarlyTokenRequest()).toBeUndefined();
    expect(fetch).not.toHaveBeenCalled();
  });
});
