import Provider, { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import {
  accessTokenPrivateClaims,
  allClaims,
  CLAIMS_BY_SCOPE,
  RESOURCE_OWNER_SCOPE,
} from './account-claims';
import type { ActionTargets } from './action-targets';
import { originsOf } from './cors';
import { renderOidcErrorPage } from './error-page';
import { buildInteractionPolicy } from './interaction-policy';
import { interactionPath } from './login-pages';
import { renderAutoSubmittingLogout, renderLoggedOut } from './logout-pages';
import type { OidcStateStore } from './oidc-state-store';
import type { PrivateSigningJwk } from './signing-keys';
import type { UserAccounts } from './user-accounts';
import { matchZitadelTokenLifecycle } from './zitadel-token-lifecycle';

/** ZITADEL's endpoint paths (cmd/defaults.yaml OIDC.CustomEndpoints), relative to the issuer. */
export const ROUTES = {
  authorization: '/oauth/v2/authorize',
  token: '/oauth/v2/token',
  jwks: '/oauth/v2/keys',
  introspection: '/oauth/v2/introspect',
  revocation: '/oauth/v2/revoke',
  userinfo: '/oidc/v1/userinfo',
  end_session: '/oidc/v1/end_session',
} as const;

export interface TokenLifetimes {
  /** Seconds. ZITADEL defaults: access and ID token 12 h, refresh token idle 30 d / absolute 90 d. */
  accessToken: number;
  idToken: number;
  refreshTokenIdle: number;
  refreshTokenAbsolute: number;
}

/** ZITADEL's app setting `accessTokenType`: BEARER (opaque, ZITADEL's default) or JWT. */
export type AccessTokenType = 'jwt' | 'opaque';

export interface ProviderSettings {
  issuer: string;
  clientId: string;
  projectId: string;
  accessTokenType: AccessTokenType;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  signingKeys: PrivateSigningJwk[];
  cookieKeys: string[];
  state: OidcStateStore;
  users: UserAccounts;
  lifetimes: TokenLifetimes;
  onServerError: (error: Error) => void;
  /** Actions v2 function executions (preaccesstoken), when configured. */
  actions?: ActionTargets | undefined;
}

export function projectAudienceScope(projectId: string): string {
  return `urn:zitadel:iam:org:project:id:${projectId}:aud`;
}

/** Internal resource indicator standing for "the project": the SPA never sends `resource`, we default to it. */
export function projectResourceIndicator(projectId: string): string {
  return `urn:local-idp:project:${projectId}`;
}

export function createProvider(settings: ProviderSettings): Provider {
  const { clientId, projectId, state, users, lifetimes } = settings;
  const resourceIndicator = projectResourceIndicator(projectId);
  const scopes = [
    'openid',
    'profile',
    'email',
    'offline_access',
    projectAudienceScope(projectId),
    RESOURCE_OWNER_SCOPE,
  ];
  const corsOrigins = originsOf([...settings.redirectUris, ...settings.postLogoutRedirectUris]);

  const configuration: Configuration = {
    adapter: state.adapterFactory,
    clients: [
      {
        client_id: clientId,
        client_name: 'Liverty Music',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: settings.redirectUris,
        post_logout_redirect_uris: settings.postLogoutRedirectUris,
        id_token_signed_response_alg: 'RS256',
        // ZITADEL always puts auth_time in the ID token.
        require_auth_time: true,
      },
    ],
    jwks: { keys: settings.signingKeys },
    cookies: {
      keys: settings.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    routes: ROUTES,
    responseTypes: ['code'],
    scopes,
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      ...Object.fromEntries(
        Object.entries(CLAIMS_BY_SCOPE).map(([scope, names]) => [scope, [...names]]),
      ),
    },
    pkce: { required: () => true },
    // What ZITADEL advertises; only `none` matters for the SPA client.
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    clientBasedCORS: (_ctx, origin) => corsOrigins.has(origin),
    features: {
      devInteractions: { enabled: false },
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      // Served by our own handler (see introspection-endpoint.ts); enabled so discovery lists it.
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: renderAutoSubmittingLogout,
        postLogoutSuccessSource: renderLoggedOut,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => resourceIndicator,
        // Keep issuing project-bound JWTs on refresh too (otherwise oidc-provider would fall back to
        // opaque userinfo-only tokens whenever `openid` is in scope).
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (indicator !== resourceIndicator) throw new errors.InvalidTarget();
          return {
            scope: scopes.join(' '),
            // oidc-provider allows a single string here; the customizer below sets ZITADEL's array.
            audience: clientId,
            accessTokenTTL: lifetimes.accessToken,
            accessTokenFormat: settings.accessTokenType,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    formats: {
      customizers: {
        jwt: async (_ctx, token, jwt) => {
          const original = jwt.payload;
          const scope = typeof original.scope === 'string' ? original.scope : '';
          const iat = Number(original.iat);
          const exp = Number(original.exp);
          const jti = String(original.jti);
          // ZITADEL's JWT access token (zitadel/oidc NewAccessTokenClaims): no scope, no profile data,
          // aud = the project's app client ids plus the project id, typ JWT.
          jwt.header = { typ: 'JWT' };
          jwt.payload = {
            iss: original.iss,
            sub: original.sub,
            aud: [clientId, projectId],
            exp,
            iat,
            nbf: iat,
            jti,
            client_id: clientId,
            ...accessTokenPrivateClaims(scope.split(' ')),
          };
          // ZITADEL runs `preaccesstoken` for JWT access tokens only, after its own claims.
          const user = settings.actions ? users.get(String(original.sub)) : undefined;
          if (user) await settings.actions?.preAccessToken(jwt.payload, { user, clientId });
          // The token carries no scope, so remember it (like ZITADEL's token storage) for userinfo.
          state.recordAccessToken({
            jti,
            accountId: String(original.sub),
            clientId,
            grantId:
              'grantId' in token && typeof token.grantId === 'string' ? token.grantId : undefined,
            scope,
            iat,
            exp,
          });
        },
      },
    },
    // First-party client: consent is implicit, every requested (known) scope is granted.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      const accountId = oidc.session?.accountId;
      const client = oidc.client;
      if (!accountId || !client) return undefined;
      const grantId = oidc.session.grantIdFor(client.clientId);
      let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (grant && grant.accountId !== accountId) grant = undefined;
      grant ??= new oidc.provider.Grant({ accountId, clientId: client.clientId });
      grant.addOIDCScope([...oidc.requestParamOIDCScopes]);
      for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
        const granted = [...oidc.requestParamScopes].filter((scope) => server.scopes.has(scope));
        if (granted.length > 0) grant.addResourceScope(indicator, granted);
      }
      await grant.save();
      return grant;
    },
    findAccount: async (_ctx, sub) => {
      const user = users.get(sub);
      // Deactivated, locked and removed users can neither get nor refresh tokens (as in ZITADEL).
      if (user?.state !== 'active') return undefined;
      return {
        accountId: user.id,
        claims: async () => ({ ...allClaims(user), sub: user.id }),
      };
    },
    interactions: {
      policy: buildInteractionPolicy(),
      url: async (_ctx, interaction) => interactionPath(interaction.uid),
    },
    // ZITADEL rotates refresh tokens on every use.
    rotateRefreshToken: () => true,
    ttl: {
      AccessToken: lifetimes.accessToken,
      IdToken: lifetimes.idToken,
      AuthorizationCode: 600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: lifetimes.refreshTokenAbsolute,
      RefreshToken: (_ctx, token) => {
        const age = typeof token.iiat === 'number' ? Math.floor(Date.now() / 1000) - token.iiat : 0;
        return Math.max(
          1,
          Math.min(lifetimes.refreshTokenIdle, lifetimes.refreshTokenAbsolute - age),
        );
      },
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = renderOidcErrorPage(out);
    },
  };

  const provider = new Provider(settings.issuer, configuration);
  provider.on('server_error', (_ctx: unknown, error: Error) => settings.onServerError(error));
  matchZitadelTokenLifecycle(provider, {
    state,
    clientId,
    projectId,
    signingKeys: settings.signingKeys,
  });
  return provider;
}
