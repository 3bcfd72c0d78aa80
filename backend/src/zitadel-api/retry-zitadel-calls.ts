import { ZitadelApiError } from './zitadel-client';

export interface RetryPolicy {
  /** Tries per call, the first included. */
  attempts: number;
  /** The wait before the second try; it doubles each time, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 8000,
};

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls ZITADEL until it answers: a 5xx, a timeout, an unreachable host or a malformed page is
 * tried again after an exponentially growing, jittered wait. Anything else (a refused PAT, a
 * rejected request) and the last failure are thrown, saying how many tries were made.
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  options: {
    signal?: AbortSignal;
    onRetry?: (error: ZitadelApiError, attempt: number) => void;
  } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ZitadelApiError) || !error.retryable || options.signal?.aborted)
        throw error;
      if (attempt >= policy.attempts) {
        error.message = `${error.message} (gave up after ${attempt} tries)`;
        throw error;
      }
      options.onRetry?.(error, attempt);
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(delay / 2 + Math.random() * (delay / 2), options.signal);
    }
  }
}
