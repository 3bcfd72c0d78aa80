/**
 * The code exchange, sent the moment /callback's first modules are linked, before oidc-client-ts
 * (69 KB) is evaluated and config.json read (decision 041): the code, the state and the PKCE
 * verifier are all on the page or in storage by then. oidc-client-ts still redeems the code: it
 * looks up and removes the state, validates the answer and stores the user, and is handed this
 * request's answer only if it sends the identical request (`withEarlyTokenResponse`).
 */
export interface EarlyTokenRequest {
  url: string;
  /** The form body, as sent. */
  body: string;
  response: Promise<Response>;
}

/** The fields of oidc-client-ts's stored sign-in state that its token request is made of. */
interface StoredSigninState {
  code_verifier?: unknown;
  client_id?: unknown;
  redirect_uri?: unknown;
  client_secret?: unknown;
  extraTokenParams?: unknown;
  /** Ours: what the sign-in start passed as `state` (oidc-auth-client.ts). */
  data?: { tokenEndpoint?: unknown } | null;
}

let unclaimedRequest: EarlyTokenRequest | undefined;

/**
 * Sends the token request when this page is /callback with a code and a state this browser stored
 * (oidc-client-ts keeps it in localStorage under `oidc.<state>`) holding the token endpoint, and
 * keeps it for `withEarlyTokenResponse`. Otherwise, or when storage holds anything else, it sends
 * nothing and the normal path runs. send-token-request-early.ts calls it.
 */
export function sendEarlyTokenRequest(
  location: Pick<Location, 'pathname' | 'search'> = window.location,
  storage: Pick<Storage, 'getItem'> = window.localStorage,
): EarlyTokenRequest | undefined {
  unclaimedRequest = startTokenRequest(location, storage);
  return unclaimedRequest;
}

function startTokenRequest(
  location: Pick<Location, 'pathname' | 'search'>,
  storage: Pick<Storage, 'getItem'>,
): EarlyTokenRequest | undefined {
  try {
    const query = new URLSearchParams(location.search);
    const code = query.get('code');
    if (location.pathname !== '/callback' || !code || query.has('error')) return undefined;
    const state = JSON.parse(
      storage.getItem(`oidc.${query.get('state')}`) ?? 'null',
    ) as StoredSigninState | null;
    const url = state?.data?.tokenEndpoint;
    const { code_verifier, client_id, redirect_uri, client_secret, extraTokenParams } = state ?? {};
    const strings = [url, code_verifier, client_id, redirect_uri].map((field) => typeof field);
    if (strings.some((type) => type !== 'string')) return undefined;
    // A confidential client or extra token parameters: not this app's request, leave it be.
    if (client_secret || Object.keys(extraTokenParams ?? {}).length > 0) return undefined;
    // oidc-client-ts's fields in its order: test/early-token-request.test.ts holds them equal.
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      redirect_uri: String(redirect_uri),
      code,
      code_verifier: String(code_verifier),
      client_id: String(client_id),
    }).toString();
    const response = fetch(String(url), {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
      credentials: 'same-origin',
    });
    // Unclaimed, a failure is nobody's business: the normal path sends its own request then.
    response.catch(() => {});
    return { url: String(url), body, response };
  } catch {
    return undefined;
  }
}

/**
 * Runs `redeem` (oidc-client-ts redeeming the code) with the early request's answer handed to its
 * token request, once, and only if that request is identical to the early one. oidc-client-ts
 * offers no fetch of its own to inject, so `fetch` is wrapped while `redeem` runs; every other
 * request passes through.
 */
export async function withEarlyTokenResponse<T>(
  redeem: () => Promise<T>,
  early: EarlyTokenRequest | undefined = unclaimedRequest,
): Promise<T> {
  unclaimedRequest = undefined;
  if (!early) return redeem();
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
