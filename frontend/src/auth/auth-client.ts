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
  /** The stored, unexpired session, if any. */
  currentSession(): Promise<Session | null>;
  /** Finishes the code exchange on /callback. */
  completeSignin(): Promise<CompletedSignin>;
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
      const key = `oidc.user:${config.oidcAuthority}:${config.oidcClientId}`;
      if (window.sessionStorage.getItem(key) === null) return null;
      return (await load()).currentSession();
    },
  };
}
