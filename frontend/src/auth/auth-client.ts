import type { AppConfig } from '../config/load-config';

export interface Session {
  accessToken: string;
  /** From the ID token, for the greeting before the API answers. */
  name: string;
}

export interface CompletedSignin extends Session {
  /** What the app put in the OIDC state when it started the flow: a hint, not proof. */
  isRegistration: boolean;
}

/** What the pages need from OIDC. oidc-auth-client.ts implements it with oidc-client-ts. */
export interface AuthClient {
  signUp(): Promise<void>;
  logIn(): Promise<void>;
  logOut(): Promise<void>;
  /** The stored session, renewed with its refresh token if it expired; null when signed out. */
  currentSession(): Promise<Session | null>;
  /** Finishes the code exchange on /callback. */
  completeSignin(): Promise<CompletedSignin>;
}

/** Where oidc-client-ts keeps the signed-in user: localStorage, shared by all tabs (decision 033). */
export function sessionKey(config: Pick<AppConfig, 'oidcAuthority' | 'oidcClientId'>): string {
  return `oidc.user:${config.oidcAuthority}:${config.oidcClientId}`;
}

/**
 * Calls `listener` when another tab signs in, renews or signs out: the browser fires `storage`
 * in every other tab of the origin when one of them changes localStorage.
 */
export function onSessionChange(
  config: Pick<AppConfig, 'oidcAuthority' | 'oidcClientId'>,
  listener: (signedIn: boolean) => void,
): () => void {
  const key = sessionKey(config);
  const handle = (event: StorageEvent) => {
    // key null: localStorage.clear(), which signs this tab out too.
    if (event.key === key || event.key === null) listener(event.newValue !== null);
  };
  window.addEventListener('storage', handle);
  return () => window.removeEventListener('storage', handle);
}

/**
 * True once, when the provider has just sent the person back from signing out. oidc-client-ts sends
 * end_session a `state` and stores it under `oidc.<state>`; the provider echoes it to `/`. A state
 * this browser did not store (a forged link) is ignored.
 */
export function returnedFromSignOut(location: Location = window.location): boolean {
  const state = new URLSearchParams(location.search).get('state');
  if (location.pathname !== '/' || !state) return false;
  const stored = window.localStorage.getItem(`oidc.${state}`);
  window.localStorage.removeItem(`oidc.${state}`);
  window.history.replaceState(null, '', '/');
  return stored !== null;
}

/**
 * Loads oidc-client-ts only when it is needed: a signed-out visitor on the landing page never
 * downloads it until they click Sign up or Log in.
 */
export function createLazyAuthClient(config: AppConfig): AuthClient {
  let client: Promise<AuthClient> | undefined;
  const load = () => {
    client ??= import('./oidc-auth-client').then((oidc) => oidc.createOidcAuthClient(config));
    return client;
  };
  return {
    signUp: async () => (await load()).signUp(),
    logIn: async () => (await load()).logIn(),
    logOut: async () => (await load()).logOut(),
    completeSignin: async () => (await load()).completeSignin(),
    async currentSession() {
      // oidc-client-ts stores the signed-in user under this key; without it nobody is signed in.
      if (window.localStorage.getItem(sessionKey(config)) === null) return null;
      return (await load()).currentSession();
    },
  };
}
