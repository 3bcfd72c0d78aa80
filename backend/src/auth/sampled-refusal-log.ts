import type { Logger } from '../logger';

export interface RefusalLogOptions {
  /** Refusals logged per interval; the rest are only counted. */
  perInterval?: number;
  intervalMs?: number;
  now?: () => number;
}

export type LogRefusal = (
  level: 'info' | 'warn',
  fields: Record<string, unknown>,
  message: string,
) => void;

/**
 * Refusals are made by whoever sends a request, so their log lines are rationed: the first
 * `perInterval` of each interval are written, the others dropped, and the first line of the next
 * interval says how many were dropped (`suppressed`). Metrics count every refusal
 * (liverty_auth_refusals_total); the log is for telling one misbehaving client from an attack.
 */
export function createSampledRefusalLog(
  logger: Logger,
  options: RefusalLogOptions = {},
): LogRefusal {
  const perInterval = options.perInterval ?? 20;
  const intervalMs = options.intervalMs ?? 10_000;
  const now = options.now ?? Date.now;
  let intervalStart = now();
  let written = 0;
  let suppressed = 0;

  return (level, fields, message) => {
    const at = now();
    if (at - intervalStart >= intervalMs) {
      if (suppressed > 0) {
        logger.warn(
          { suppressed, intervalMs: at - intervalStart },
          'refusal log lines suppressed (every refusal is still counted in liverty_auth_refusals_total)',
        );
      }
      intervalStart = at;
      written = 0;
      suppressed = 0;
    }
    if (written >= perInterval) {
      suppressed++;
      return;
    }
    written++;
    logger[level](fields, message);
  };
}
