import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { issuerUnavailable, unauthenticated } from './auth-error';
import type { IssuerMetadata } from './discover-issuer';
import { REVOCATION_BOUND_MS } from './revocation-bound';
import type { HashedToken } from './token-key';

// ZITADEL access tokens carry no email or profile; userinfo does (scopes `email`, `profile`).
const userinfoSchema = z.object({
  sub: z.string().min(1),
  email: z.string().optional(),
  email_verified: z.boolean().optional(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  preferred_username: z.string().optional(),
});

export type Userinfo = z.infer<typeof userinfoSchema>;

export interface UserinfoFetcherOptions {
  discover: () => Promise<IssuerMetadata>;
  /** A callback retried a few times in a row should not hit the issuer each time. */
  ttlMs?: number;
  maxEntries?: number;
  timeoutMs?: number;
}

export type FetchUserinfo = (accessToken: HashedToken, expectedSub: string) => Promise<Userinfo>;

export function createUserinfoFetcher(options: UserinfoFetcherOptions): FetchUserinfo {
  const ttlMs = options.ttlMs ?? REVOCATION_BOUND_MS;
  const maxEntries = options.maxEntries ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 5000;
  // Keyed by a hash so the cache never holds a usable token.
  // Least recently used goes first; the age is read from Date.now like every other bound here.
  const cache = new LRUCache<HashedToken['key'], { userinfo: Userinfo; until: number }>({
    max: maxEntries,
  });

  return async ({ token: accessToken, key }, expectedSub) => {
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.userinfo;

    const { userinfo_endpoint } = await options.discover();
    let response: Response;
    try {
      response = await fetch(userinfo_endpoint, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw issuerUnavailable('userinfo request failed', error);
    }
    if (response.status === 401 || response.status === 403) {
      throw unauthenticated('the identity provider rejected the access token at userinfo');
    }
    if (!response.ok) throw issuerUnavailable(`userinfo answered HTTP ${response.status}`);
    const parsed = userinfoSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw issuerUnavailable('userinfo response is malformed');
    // OIDC Core §5.3.2: a userinfo `sub` that differs from the token's must not be used.
    if (parsed.data.sub !== expectedSub) {
      throw unauthenticated('userinfo subject does not match the access token');
    }

    cache.set(key, { userinfo: parsed.data, until: Date.now() + ttlMs });
    return parsed.data;
  };
}
