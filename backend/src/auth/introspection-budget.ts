import { BulkheadRejectedError, bulkhead } from 'cockatiel';
import { issuerUnavailable } from './auth-error';
import type { IntrospectAccessToken } from './introspect-access-token';

export interface IntrospectionBudget {
  /** OIDC_INTROSPECTION_MAX_PER_SECOND: introspection requests per second from this replica. */
  maxPerSecond: number;
  /** OIDC_INTROSPECTION_MAX_CONCURRENT: introspection requests in flight at once. */
  maxConcurrent: number;
}

export const DEFAULT_INTROSPECTION_BUDGET: IntrospectionBudget = {
  maxPerSecond: 50,
  maxConcurrent: 16,
};

/**
 * Every introspection request goes out under the API app's credentials, and anyone can make one
 * by sending a plausible string: so they are spent from a budget. A token bucket holds a second's
 * worth of requests and refills continuously, so after a burst real users are served again within
 * a second; a bulkhead (cockatiel) caps how many wait on the issuer at once. Over either limit
 * the call is `unavailable` at once, without queueing, and counted.
 */
export function withIntrospectionBudget(
  introspect: IntrospectAccessToken,
  budget: IntrospectionBudget,
  onExhausted: () => void,
  now: () => number = Date.now,
): IntrospectAccessToken {
  const inFlight = bulkhead(budget.maxConcurrent, 0);
  let tokens = budget.maxPerSecond;
  let refilledAt = now();

  function takeToken(): boolean {
    const at = now();
    tokens = Math.min(
      budget.maxPerSecond,
      tokens + ((at - refilledAt) / 1000) * budget.maxPerSecond,
    );
    refilledAt = at;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  const exhausted = () => {
    onExhausted();
    return issuerUnavailable(
      'too many opaque access tokens to check right now (introspection budget spent), retry shortly',
    );
  };

  return async (token) => {
    if (inFlight.executionSlots === 0 || !takeToken()) throw exhausted();
    try {
      return await inFlight.execute(() => introspect(token));
    } catch (error) {
      if (error instanceof BulkheadRejectedError) throw exhausted();
      throw error;
    }
  };
}
