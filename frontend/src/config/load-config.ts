/**
 * Settings read at run time from /config.json beside the app, so one build serves the local
 * identity provider and a real ZITADEL. Nothing here is secret: a public PKCE client has none.
 */
export interface AppConfig {
  /** The OIDC issuer; endpoints are discovered from it. */
  oidcAuthority: string;
  oidcClientId: string;
  /** Added to `openid profile email`, e.g. ZITADEL's project audience scope. */
  oidcExtraScope: string;
  /** Where the Connect API is served. */
  apiBaseUrl: string;
}

const REQUIRED = ['oidcAuthority', 'oidcClientId', 'apiBaseUrl'] as const;

export async function loadConfig(url = '/config.json'): Promise<AppConfig> {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  const raw = (await response.json()) as Record<string, unknown>;
  const missing = REQUIRED.filter((key) => typeof raw[key] !== 'string' || raw[key] === '');
  if (missing.length > 0) throw new Error(`${url} is missing ${missing.join(', ')}`);
  return {
    oidcAuthority: String(raw.oidcAuthority),
    oidcClientId: String(raw.oidcClientId),
    oidcExtraScope: typeof raw.oidcExtraScope === 'string' ? raw.oidcExtraScope : '',
    apiBaseUrl: String(raw.apiBaseUrl).replace(/\/+$/, ''),
  };
}
