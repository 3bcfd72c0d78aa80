import { Code, ConnectError } from '@connectrpc/connect';
import { Counter, Histogram } from 'prom-client';
import { isDatabaseUnavailable } from '../db/is-database-unavailable';
import type { Metrics } from '../observability/metrics';
import { UserBlockedError } from '../provisioning/provision-from-token';

/**
 * How long GetOrCreate takes and how often it fails, for the alerts in ops/prometheus (error rate
 * and latency of the call every sign-in waits for). Registered on first use, like the action
 * metrics, so one registry serves any number of services built on it (tests build several).
 */
export function getOrCreateMetrics(metrics: Metrics) {
  const registry = metrics.registry;
  const seconds = (registry.getSingleMetric('liverty_get_or_create_duration_seconds') ??
    new Histogram({
      name: 'liverty_get_or_create_duration_seconds',
      help: 'Time to answer GetOrCreate, failures included.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    })) as Histogram;
  const errors = (registry.getSingleMetric('liverty_get_or_create_errors_total') ??
    new Counter({
      name: 'liverty_get_or_create_errors_total',
      help: 'GetOrCreate calls that failed, by Connect code (unauthenticated is the caller; internal and unavailable are ours).',
      labelNames: ['code'] as const,
      registers: [registry],
    })) as Counter<'code'>;
  return {
    observe(startedMs: number) {
      seconds.observe((performance.now() - startedMs) / 1000);
    },
    /** The code the client will see: the same decisions as connect-error-codes.ts. */
    failed(error: unknown) {
      errors.inc({ code: codeName(error) });
    },
  };
}

function codeName(error: unknown): string {
  const code =
    error instanceof ConnectError
      ? error.code
      : error instanceof UserBlockedError
        ? Code.PermissionDenied
        : isDatabaseUnavailable(error)
          ? Code.Unavailable
          : Code.Internal;
  // Code.PermissionDenied → "permission_denied", as Connect writes codes on the wire.
  return Code[code].replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase();
}
