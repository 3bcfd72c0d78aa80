/**
 * The token request callback.html's inline script sent as soon as the document arrived, before
 * any module had loaded (decision 041): the code, the state and the PKCE verifier were all on the
 * page or in storage, and only oidc-client-ts's 69 KB stood between them and the network.
 */
export interface EarlyTokenRequest {
  url: string;
  /** The form body, as sent. */
  body: string;
  response: Promise<Response>;
}

declare global {
  interface Window {
    earlyTokenRequest?: EarlyTokenRequest | undefined;
  }
}

/**
 * Runs `redeem` (oidc-client-ts redeeming the code: the state looked up and removed, the answer
 * validated, the user stored) with the early request's answer handed to its token request, once,
 * and only if that request is identical to the early one. oidc-client-ts offers no fetch of its
 * own to inject, so `fetch` is wrapped while `redeem` runs; every other request passes through.
 */
export async function withEarlyTokenResponse<T>(
  redeem: () => Promise<T>,
  early: EarlyTokenRequest | undefined = window.earlyTokenRequest,
): Promise<T> {
  if (!early) return redeem();
  window.earlyTokenRequest = undefined;
  const fetchBefore = globalThis.fetch;
  let unclaimed: EarlyTokenRequest | undefined = early;
  globalThis.fetch = (input, init) => {
    const claimed = unclaimed;
    const identical =
      claimed !== undefined &&
      String(input) === claimed.url &&
      init?.method === 'POST' &&
      String(init.body) === claimed.body;
    if (!identical) return fetchBefore(input, init);
    unclaimed = undefined;
    // No answer at all (offline, blocked): the request may never have left, so send this one.
    return claimed.response.catch(() => fetchBefore(input, init));
  };
  try {
    return await redeem();
  } finally {
    globalThis.fetch = fetchBefore;
  }
}
