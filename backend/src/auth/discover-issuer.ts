import { z } from 'zod';
import { issuerUnavailable } from './auth-error';

const metadataSchema = z.object({
  issuer: z.string(),
  jwks_uri: z.url(),
  userinfo_endpoint: z.url(),
  // Only needed for opaque access tokens (RFC 7662); ZITADEL publishes it as /oauth/v2/introspect.
  introspection_endpoint: z.url().optional(),
});

export type IssuerMetadata = z.infer<typeof metadataSchema>;

export interface DiscoverIssuerOptions {
  issuer: string;
  /** How long a successful discovery is reused. */
  ttlMs?: number;
  timeoutMs?: number;
}

/**
 * OIDC discovery (`/.well-known/openid-configuration`), cached. Endpoints are never hard-coded:
 * ZITADEL and the local identity provider publish the same document shape.
 * A failure is not cached, so the next request tries again.
 */
export function createIssuerDiscovery(
  options: DiscoverIssuerOptions,
): () => Promise<IssuerMetadata> {
  const ttlMs = options.ttlMs ?? 60 * 60 * 1000;
  const timeoutMs = options.timeoutMs ?? 5000;
  let cached: { metadata: IssuerMetadata; expiresAt: number } | undefined;
  let inFlight: Promise<IssuerMetadata> | undefined;

  async function load(): Promise<IssuerMetadata> {
    const url = `${options.issuer}/.well-known/openid-configuration`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw issuerUnavailable('discovery request failed', error);
    }
    if (!response.ok) throw issuerUnavailable(`discovery answered HTTP ${response.status}`);
    const parsed = metadataSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw issuerUnavailable('discovery document is malformed');
    // OIDC Discovery 1.0 §4.3: the document must name exactly the issuer we asked.
    if (parsed.data.issuer.replace(/\/+$/, '') !== options.issuer) {
      throw issuerUnavailable(
        `discovery names issuer ${parsed.data.issuer}, expected ${options.issuer}`,
      );
    }
    return parsed.data;
  }

  return async () => {
    if (cached && cached.expiresAt > Date.now()) return cached.metadata;
    inFlight ??= load()
      .then((metadata) => {
        cached = { metadata, expiresAt: Date.now() + ttlMs };
        return metadata;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
