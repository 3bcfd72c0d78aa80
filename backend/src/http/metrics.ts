import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    getOrCreate: new Counter({
      name: 'liverty_get_or_create_total',
      help: 'GetOrCreate calls that succeeded, by outcome and by the client hint is_registration.',
      labelNames: ['created', 'is_registration'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
