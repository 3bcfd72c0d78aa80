import type { Logger } from '../logger';
import { type Authenticate, createAuthenticator } from './authenticate';
import { createIssuerDiscovery } from './discover-issuer';
import { createUserinfoFetcher } from './fetch-userinfo';
import { createIntrospector } from './introspect-access-token';
import {
  DEFAULT_INTROSPECTION_BUDGET,
  type IntrospectionBudget,
  withIntrospectionBudget,
} from './introspection-budget';
import type { IntrospectionCredentials } from './introspection-credentials';
import { createIssuerKeySet, type IssuerKeySetOptions } from './issuer-key-set';
import { createAccessTokenVerifier } from './verify-access-token';

export interface TokenAuthenticationSettings {
  issuer: string;
  audience: readonly string[];
  clientIds: readonly string[];
  /** Unset: opaque access tokens are refused. */
  introspection?: IntrospectionCredentials;
  /** Key set caching (`maxStaleMs` from OIDC_JWKS_MAX_STALE_SECONDS; the rest for tests). */
  keySet?: Omit<IssuerKeySetOptions, 'discover' | 'logger'>;
  /** OIDC_INTROSPECTION_MAX_PER_SECOND and OIDC_INTROSPECTION_MAX_CONCURRENT. */
  introspectionBudget?: IntrospectionBudget;
}

/** What authentication reports: the budget spent, and every refusal by Connect code. */
export interface AuthenticationCounters {
  introspectionBudgetExhausted: { inc(): void };
  authRefusals: { inc(labels: { code: string }): void };
}

/** Bearer-token authentication wired as the server runs it: discovery, keys, introspection, userinfo. */
export function createTokenAuthentication(
  settings: TokenAuthenticationSettings,
  logger: Logger,
  counters?: AuthenticationCounters,
): Authenticate {
  const discover = createIssuerDiscovery({ issuer: settings.issuer });
  return createAuthenticator({
    verifyAccessToken: createAccessTokenVerifier({
      issuer: settings.issuer,
      audience: settings.audience,
      clientIds: settings.clientIds,
      keySet: createIssuerKeySet({ ...settings.keySet, discover, logger }),
      introspect: settings.introspection
        ? withIntrospectionBudget(
            createIntrospector({
              issuer: settings.issuer,
              discover,
              credentials: settings.introspection,
            }),
            settings.introspectionBudget ?? DEFAULT_INTROSPECTION_BUDGET,
            () => counters?.introspectionBudgetExhausted.inc(),
          )
        : undefined,
      ...(settings.keySet?.now ? { now: settings.keySet.now } : {}),
    }),
    fetchUserinfo: createUserinfoFetcher({ discover }),
    logger,
    countRefusal: counters ? (code) => counters.authRefusals.inc({ code }) : undefined,
  });
}
