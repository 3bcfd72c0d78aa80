import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type EarlyTokenRequest,
  sendEarlyTokenRequest,
  withEarlyTokenResponse,
} from '../src/auth/early-token-request';

const URL_ = 'https://id.example.com/oauth/v2/token';
const BODY = 'grant_type=authorization_code&code=c';
const earlyAnswer = new Response('early');
const early = (response: Promise<Response> = Promise.resolve(earlyAnswer)): EarlyTokenRequest => ({
  url: URL_,
  body: BODY,
  response,
});
const post = (body: string) => ({ method: 'POST', body: new URLSearchParams(body) });

function network() {
  const fetch = vi.fn(async () => new Response('network'));
  vi.stubGlobal('fetch', fetch);
  return fetch;
}
afterEach(() => vi.unstubAllGlobals());

describe('handing the early token response to oidc-client-ts', () => {
  it('answers the identical request from it, once; everything else goes to the network', async () => {
    const fetch = network();
    const texts = await withEarlyTokenResponse(
      async () => [
        await (await globalThis.fetch(URL_, post(BODY))).text(),
        await (await globalThis.fetch(URL_, post(BODY))).text(),
        await (await globalThis.fetch('https://api.example.com/x', post(BODY))).text(),
      ],
      early(),
    );
    expect(texts).toEqual(['early', 'network', 'network']);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(globalThis.fetch).toBe(fetch);
  });

  it.each([
    ['another body', URL_, post(`${BODY}&code_verifier=v`)],
    ['another address', 'https://other.example.com/token', post(BODY)],
    ['another method', URL_, { method: 'PUT', body: BODY }],
  ])('sends a request with %s itself', async (_, url, init) => {
    const fetch = network();
    const text = await withEarlyTokenResponse(
      async () => (await globalThis.fetch(url, init)).text(),
      early(),
    );
    expect(text).toBe('network');
    expect(fetch).toHaveBeenCalledWith(url, init);
  });

  it('sends the request itself when the early one got no answer', async () => {
    const fetch = network();
    const failed = Promise.reject(new TypeError('Failed to fetch'));
    const text = await withEarlyTokenResponse(
      async () => (await globalThis.fetch(URL_, post(BODY))).text(),
      early(failed),
    );
    expect(text).toBe('network');
    expect(fetch).toHaveBeenCalledOnce();
  });

  it('puts fetch back when the sign-in fails, and hands the early answer over only once', async () => {
    const fetch = network();
    window.history.replaceState(null, '', '/callback?code=c&state=s');
    localStorage.setItem(
      'oidc.s',
      JSON.stringify({
        code_verifier: 'v',
        client_id: 'app',
        redirect_uri: 'http://localhost:3000/callback',
        data: { tokenEndpoint: URL_ },
      }),
    );
    expect(sendEarlyTokenRequest()).toBeDefined();
    expect(fetch).toHaveBeenCalledOnce();
    await expect(
      withEarlyTokenResponse(async () => Promise.reject(new Error('No matching state'))),
    ).rejects.toThrow('No matching state');
    expect(globalThis.fetch).toBe(fetch);
    // A second attempt (StrictMode, a retry) sends its own request.
    let during: unknown;
    await withEarlyTokenResponse(async () => {
      during = globalThis.fetch;
    });
    expect(during).toBe(fetch);
    window.history.replaceState(null, '', '/');
    localStorage.clear();
  });

  it('leaves fetch alone when there is no early request', async () => {
    const fetch = network();
    let during: unknown;
    await withEarlyTokenResponse(async () => {
      during = globalThis.fetch;
    }, undefined);
    expect(during).toBe(fetch);
  });
});
