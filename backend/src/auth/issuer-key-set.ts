import type { JSONWebKeySet } from 'jose';
import type { Logger } from '../logger';
import { issuerUnavailable } from './auth-error';
import type { IssuerMetadata } from './discover-issuer';

export interface IssuerKeySetOptions {
  discover: () => Promise<IssuerMetadata>;
  logger?: Logger;
  /** A key set older than this is refetched before use (if the issuer answers). */
  refreshAfterMs?: number;
  /**
   * While the issuer cannot be reached, the last key set fetched successfully is still used until
   * it is this old; then verification stops (unavailable) rather than trust keys indefinitely.
   */
  maxStaleMs?: number;
  /** After a failed fetch, or a fetch for an unknown `kid`, wait this long before the next. */
  cooldownMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

export interface IssuerKeySet {
  /** The keys to verify a token signed with `kid`: refetched when `kid` is not known yet. */
  forKid(kid: string | undefined): Promise<JSONWebKeySet>;
}

interface Fetched {
  keys: JSONWebKeySet;
  fetchedAt: number;
}

/**
 * The issuer's JWKS, cached. Unlike jose's remote key set, a failed refetch does not throw away
 * the keys already known: ZITADEL keeps publishing a public key for many hours after it stops
 * signing with it, so a token signed by a known key stays verifiable through a short issuer
 * outage. How long is bounded (`maxStaleMs`) and every failed refetch is logged.
 */
export function createIssuerKeySet(options: IssuerKeySetOptions): IssuerKeySet {
  const refreshAfterMs = options.refreshAfterMs ?? 10 * 60 * 1000;
  const maxStaleMs = options.maxStaleMs ?? 60 * 60 * 1000;
  const cooldownMs = options.cooldownMs ?? 30 * 1000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const now = options.now ?? Date.now;
  let fetched: Fetched | undefined;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<Fetched> | undefined;
  let failing = false;

  async function load(): Promise<Fetched> {
    const { jwks_uri } = await options.discover();
    let response: Response;
    try {
      response = await fetch(jwks_uri, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw issuerUnavailable('key set request failed', error);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw issuerUnavailable(`key set answered HTTP ${response.status}`);
    }
    const body = (await response.json().catch(() => undefined)) as { keys?: unknown } | undefined;
    if (!Array.isArray(body?.keys)) throw issuerUnavailable('key set is malformed');
    return { keys: { keys: body.keys }, fetchedAt: now() };
  }

  function refetch(): Promise<Fetched> {
    lastAttemptAt = now();
    inFlight ??= load()
      .then((result) => {
        if (failing) options.logger?.info('issuer key set reachable again');
        failing = false;
        fetched = result;
        return result;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  /**
   * The last good key set if it may still be used, after a refetch failed with `error`. Logged
   * once per failed attempt (attempts are at most one per cooldown), not once per request.
   */
  function stale(error: unknown, log = true): JSONWebKeySet {
    failing = true;
    const age = fetched ? now() - fetched.fetchedAt : undefined;
    if (fetched && age !== undefined && age <= maxStaleMs) {
      if (log)
        options.logger?.warn(
          { err: error, ageSeconds: Math.round(age / 1000), maxStaleSeconds: maxStaleMs / 1000 },
          'issuer key set unreachable: verifying with the last key set fetched',
        );
      return fetched.keys;
    }
    if (log)
      options.logger?.warn(
        { err: error, ageSeconds: age === undefined ? null : Math.round(age / 1000) },
        'issuer key set unreachable and no usable key set is cached: refusing to verify tokens',
      );
    throw error instanceof Error ? error : issuerUnavailable('key set could not be loaded');
  }

  async function current(): Promise<JSONWebKeySet> {
    if (fetched && now() - fetched.fetchedAt < refreshAfterMs) return fetched.keys;
    // A failure a moment ago: do not hammer a struggling issuer, serve what we have meanwhile.
    if (fetched && !inFlight && now() - lastAttemptAt < cooldownMs)
      return stale(issuerUnavailable('key set refetch is cooling down'), false);
    try {
      return (await refetch()).keys;
    } catch (error) {
      return stale(error);
    }
  }

  return {
    async forKid(kid) {
      const keys = await current();
      const known = keys.keys.some((key) => kid === undefined || key.kid === kid);
      // An unknown kid may be a freshly rotated key: refetch, but at most once per cooldown so a
      // flood of forged kids cannot become a flood of requests to the issuer.
      if (known || now() - lastAttemptAt < cooldownMs) return keys;
      try {
        return (await refetch()).keys;
      } catch (error) {
        stale(error);
        // The token may be signed by a key published after our last fetch: only the issuer can
        // tell, and it cannot be asked now.
        throw issuerUnavailable(
          'the token is signed with a key this API has not seen, and the key set cannot be refetched',
          error,
        );
      }
    },
  };
}
