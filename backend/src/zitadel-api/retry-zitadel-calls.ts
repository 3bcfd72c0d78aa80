import { ExponentialBackoff, halfJitterGenerator, handleWhen, retry } from 'cockatiel';
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

const worthRetrying = handleWhen((error) => error instanceof ZitadelApiError && error.retryable);

/**
 * The work, or the signal's reason as soon as it aborts: cockatiel's wait between tries does not
 * listen to a signal, and a reconciler that is stopping should not sit out an 8 s wait.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Calls ZITADEL until it answers: a 5xx, a timeout, an unreachable host or a malformed page is
 * tried again after an exponentially growing, jittered wait (cockatiel's retry; each wait drawn
 * from the upper half of base × 2^n, capped). Anything else (a refused PAT, a rejected request)
 * and the last failure are thrown, saying how many tries were made.
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  options: {
    signal?: AbortSignal;
    onRetry?: (error: ZitadelApiError, attempt: number) => void;
  } = {},
): Promise<T> {
  const { signal, onRetry } = options;
  const retrying = retry(worthRetrying, {
    maxAttempts: policy.attempts - 1,
    backoff: new ExponentialBackoff({
      initialDelay: policy.baseDelayMs,
      maxDelay: policy.maxDelayMs,
      generator: halfJitterGenerator,
    }),
  });
  if (onRetry) {
    retrying.onRetry((event) => {
      if ('error' in event) onRetry(event.error as ZitadelApiError, event.attempt);
    });
  }
  let tries = 0;
  const work = retrying.execute(() => {
    tries++;
    return call();
  }, signal);
  try {
    return await untilAborted(work, signal);
  } catch (error) {
    if (error instanceof ZitadelApiError && error.retryable && !signal?.aborted) {
      error.message = `${error.message} (gave up after ${tries} tries)`;
    }
    throw error;
  } finally {
    work.catch(() => {}); // abandoned on abort: its last try fails on the aborted signal
  }
}
