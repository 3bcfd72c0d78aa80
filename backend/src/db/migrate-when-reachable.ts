import { ExponentialBackoff, handleWhen, noJitterGenerator, retry } from 'cockatiel';
import { isDatabaseUnavailable } from './is-database-unavailable';
import type { DatabaseHandle } from './open-database';

/**
 * Applies the migrations, trying again while the database cannot be reached: in containers it may
 * start after us. Waits 0.5 s, doubling up to 5 s (cockatiel's retry), for `patienceMs`; then, or
 * on any other error, throws.
 */
export function migrateWhenReachable(
  database: Pick<DatabaseHandle, 'migrate'>,
  options: {
    onRetry: (attempt: number) => void;
    patienceMs?: number;
    /** The first wait; tests shorten it. */
    firstWaitMs?: number;
  },
): Promise<void> {
  const giveUpAt = Date.now() + (options.patienceMs ?? 60_000);
  const untilReachable = retry(
    handleWhen((error) => isDatabaseUnavailable(error) && Date.now() <= giveUpAt),
    {
      maxAttempts: Number.POSITIVE_INFINITY,
      backoff: new ExponentialBackoff({
        initialDelay: options.firstWaitMs ?? 500,
        maxDelay: 5000,
        generator: noJitterGenerator,
      }),
    },
  );
  untilReachable.onRetry(({ attempt }) => options.onRetry(attempt));
  return untilReachable.execute(() => database.migrate());
}
