import type { OidcMetadata } from 'oidc-client-ts';

/**
 * Settings read at run time from /config.json beside the app, so one build serves the local
 * identity provider and a real ZITADEL. Nothing here is secret: a public PKCE client has none.
 */
export interface AppConfig {
  /** The OIDC issuer. */
  oidcAuthority: string;
  oidcClientId: string;
  /** Added to `openid profile email`, e.g. ZITADEL's project audience scope. */
  oidcExtraScope: string;
  /** Where the Connect API is served. */
  apiBaseUrl: string;
  /**
   * The identity provider's self-service page, where people change their name, email, password
   * and passkeys: ZITADEL Console's `/ui/console/users/me` under the issuer unless config.json
   * names another (a deployment that hides Console behind its own page).
   */
  accountUrl: string;
  /**
   * The issuer's discovery document, when the deployment wrote it into config.json (`npm start`
   * does): the callback then redeems the code without asking for it first. Absent, oidc-client-ts
   * fetches it from the issuer, which stays the source of truth either way.
   */
  oidcMetadata?: Partial<OidcMetadata> | undefined;
}

const REQUIRED = ['oidcAuthority', 'oidcClientId', 'apiBaseUrl'] as const;
/** What the app uses of the metadata: starting a sign-in, redeeming the code, logging out. */
const REQUIRED_METADATA = ['issuer', 'authorization_endpoint', 'token_endpoint'] as const;

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

/** The page links it: only an http(s) address may become an href (never `javascript:`). */
function webAddress(value: string, what: string): string {
  const protocol = URL.canParse(value) ? new URL(value).protocol : '';
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new Error(`${what} is not an http(s) address: ${value}`);
  }
  return value;
}

/** Checks what config.json holds; a bad file stops the app with a message that names the field. */
export function parseConfig(raw: unknown, source = '/config.json'): AppConfig {
  if (typeof raw !== 'object' || raw === null) throw new Error(`${source} is not a JSON object`);
  const values = raw as Record<string, unknown>;
  const missing = REQUIRED.filter((key) => typeof values[key] !== 'string' || values[key] === '');
  if (missing.length > 0) throw new Error(`${source} is missing ${missing.join(', ')}`);
  const config: AppConfig = {
    oidcAuthority: String(values.oidcAuthority),
    oidcClientId: String(values.oidcClientId),
    oidcExtraScope: typeof values.oidcExtraScope === 'string' ? values.oidcExtraScope : '',
    apiBaseUrl: withoutTrailingSlash(String(values.apiBaseUrl)),
    accountUrl: webAddress(
      typeof values.accountUrl === 'string' && values.accountUrl !== ''
        ? values.accountUrl
        : `${withoutTrailingSlash(String(values.oidcAuthority))}/ui/console/users/me`,
      `${source}: accountUrl`,
    ),
  };
  const metadata = values.oidcMetadata;
  if (metadata === undefined) return config;
  if (typeof metadata !== 'object' || metadata === null) {
    throw new Error(`${source}: oidcMetadata is not an object`);
  }
  const fields = metadata as Record<string, unknown>;
  const absent = REQUIRED_METADATA.filter((key) => typeof fields[key] !== 'string');
  if (absent.length > 0) throw new Error(`${source}: oidcMetadata lacks ${absent.join(', ')}`);
  // Metadata copied from another issuer would send people to the wrong provider.
  if (withoutTrailingSlash(String(fields.issuer)) !== withoutTrailingSlash(config.oidcAuthority)) {
    throw new Error(
      `${source}: oidcMetadata is for ${String(fields.issuer)}, but oidcAuthority is ${config.oidcAuthority}`,
    );
  }
  return { ...config, oidcMetadata: fields as Partial<OidcMetadata> };
}

/**
 * The pages link /config.json with `rel=preload`, so this fetch takes the response the browser
 * already started loading beside the scripts. Caching is the server's call (it sends no-store).
 */
export async function loadConfig(url = '/config.json'): Promise<AppConfig> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return parseConfig(await response.json(), url);
}
