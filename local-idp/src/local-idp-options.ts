import type { ActionTarget, ActionTargetName } from './action-targets';
import type { AccessTokenType, TokenLifetimes } from './create-provider';
import type { IntrospectionClient } from './introspection-endpoint';

// What a caller of startLocalIdp may set, the defaults for what it leaves out, and the checks on
// the issuer it gives.

export const DEFAULTS = {
  issuer: 'http://127.0.0.1:8080',
  host: '127.0.0.1',
  clientId: 'liverty-music-spa',
  projectId: '336500000000000100',
  redirectUris: ['http://localhost:5173/callback', 'http://127.0.0.1:5173/callback'],
  postLogoutRedirectUris: ['http://localhost:5173/', 'http://127.0.0.1:5173/'],
  dataDir: '.local-idp',
  lifetimes: {
    accessToken: 12 * 3600,
    idToken: 12 * 3600,
    refreshTokenIdle: 30 * 24 * 3600,
    refreshTokenAbsolute: 90 * 24 * 3600,
  } satisfies TokenLifetimes,
} as const;

export interface LocalIdpOptions {
  /** Public issuer URL (origin only, no path). Default: `http://<host>:<actual port>`. */
  issuer?: string;
  /** Port to listen on; 0 picks a free one. Default: the issuer's port, or 8080. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  clientId?: string;
  /** The ZITADEL project id: part of the access token `aud`. 18 digits. */
  projectId?: string;
  /**
   * The SPA app's access token type: `jwt` (default here, what zitadel-setup configures) or
   * `opaque` (ZITADEL's default, BEARER), which resource servers must introspect.
   */
  accessTokenType?: AccessTokenType;
  /** API applications of the project that may introspect tokens. Default: none. */
  introspectionClients?: IntrospectionClient[];
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** Where keys, users, events and secrets live. Default `.local-idp` in the cwd. */
  dataDir?: string;
  /** PAT for the Event API. Default: generated once and stored in `<dataDir>/admin.pat`. */
  adminPat?: string;
  webhookTargets?: string[];
  /** HMAC key for `ZITADEL-Signature`. Default: generated once, stored in `<dataDir>/webhook-signing-key`. */
  webhookSigningKey?: string;
  /** Per-delivery timeout, default 10 000 ms (ZITADEL requires one per target). */
  webhookTimeoutMs?: number;
  /**
   * Actions v2 restCall targets, called as ZITADEL calls them: URLs for the functions
   * `preaccesstoken` and `preuserinfo` (interruptOnError false unless given) and for the request
   * execution on AddHumanUser (interruptOnError true unless given).
   */
  actionTargets?: {
    preAccessToken?: string | ActionTarget;
    preUserinfo?: string | ActionTarget;
    addHumanUser?: string | ActionTarget;
    /**
     * Each target's own key, as ZITADEL gives each target its own. Default: generated once per
     * target, stored in `<dataDir>/actions-<target>-signing-key`.
     */
    signingKeys?: Partial<Record<ActionTargetName, string>>;
    /** Per call, default 5000 ms. */
    timeoutMs?: number;
  };
  /** Token lifetimes in seconds (ZITADEL defaults otherwise). */
  tokenLifetimes?: Partial<TokenLifetimes>;
  /** Receives one line per request and operational messages; `false` silences. Default console.log. */
  log?: ((line: string) => void) | false;
}

export function normalizeIssuer(issuer: string): string {
  const url = URL.parse(issuer);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new Error(`issuer must be an http(s) URL: ${issuer}`);
  if (url.pathname !== '/' || url.search || url.hash || url.username) {
    // ZITADEL's issuer is the bare origin and every endpoint path is absolute; so is ours.
    throw new Error(`issuer must be an origin without path, query or credentials: ${issuer}`);
  }
  return url.origin;
}

export function defaultPort(issuer: string | undefined): number {
  if (issuer === undefined) return 8080;
  const url = new URL(issuer);
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}
