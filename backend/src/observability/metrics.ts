import type { Server } from 'node:net';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const getOrCreate = new Counter({
    name: 'liverty_get_or_create_total',
    help: 'GetOrCreate calls that succeeded, by outcome and by the client hint is_registration.',
    labelNames: ['created', 'is_registration'] as const,
    registers: [registry],
  });
  // One child per outcome, bound once: every series exists from the start at 0.
  const getOrCreateChildren = [false, true].map((created) =>
    [false, true].map((isRegistration) =>
      getOrCreate.labels({ created: String(created), is_registration: String(isRegistration) }),
    ),
  );
  for (const children of getOrCreateChildren) for (const child of children) child.inc(0);
  // Where the last complete sweep's time comes from (the database: every replica reports the
  // same age, leader or not). Unset while no sweep is configured: the gauge then has no sample.
  let lastCompleteSweep: (() => Promise<Date | undefined>) | undefined;
  const sweepLastCompleteAge = new Gauge({
    name: 'liverty_sweep_last_complete_age_seconds',
    help: 'Seconds since the last complete sweep finished (+Inf when none has), computed at scrape.',
    registers: [registry],
    async collect() {
      if (!lastCompleteSweep) return;
      try {
        const at = await lastCompleteSweep();
        this.set(at ? Math.max(0, (Date.now() - at.getTime()) / 1000) : Number.POSITIVE_INFINITY);
      } catch {
        // The database is down: the previous value stands, and /readyz says why.
      }
    },
  });
  const sweepRuns = new Counter({
    name: 'liverty_sweep_runs_total',
    help: 'Sweeps run, by outcome: complete, incomplete (nobody removed), failed.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const sweepUsers = new Counter({
    name: 'liverty_sweep_users_total',
    help: 'App users the sweep changed, by change: created, updated, removed.',
    labelNames: ['change'] as const,
    registers: [registry],
  });
  // Every series exists from the start at 0, so alert rules on their rates see the first one.
  for (const outcome of ['complete', 'incomplete', 'failed']) sweepRuns.inc({ outcome }, 0);
  for (const change of ['created', 'updated', 'removed']) sweepUsers.inc({ change }, 0);
  // The API port's listener, once there is one: its connection count is read at each scrape.
  let listener: Pick<Server, 'getConnections'> | undefined;
  return {
    registry,
    getOrCreate,
    sweepLastCompleteAge,
    sweepRuns,
    sweepUsers,
    /** Makes liverty_sweep_last_complete_age_seconds read the last complete sweep from here. */
    reportSweepsFrom(source: () => Promise<Date | undefined>): void {
      lastCompleteSweep = source;
    },
    sweepDuration: new Histogram({
      name: 'liverty_sweep_duration_seconds',
      help: 'How long one sweep took, whatever its outcome.',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
    /** Reports the API listener's open connections as liverty_http_open_connections. */
    observeConnections(server: Pick<Server, 'getConnections'>): void {
      listener = server;
    },
    openConnections: new Gauge({
      name: 'liverty_http_open_connections',
      help: 'Connections open on the API port (HTTP/1.1 and h2c together), as HTTP_MAX_CONNECTIONS counts them.',
      registers: [registry],
      async collect() {
        const source = listener;
        if (!source) return;
        this.set(
          await new Promise<number>((resolve) =>
            source.getConnections((error, count) => resolve(error ? Number.NaN : count)),
          ),
        );
      },
    }),
    introspectionBudgetExhausted: new Counter({
      name: 'liverty_introspection_budget_exhausted_total',
      help: 'Opaque-token checks answered unavailable at once because the introspection budget (OIDC_INTROSPECTION_MAX_PER_SECOND, OIDC_INTROSPECTION_MAX_CONCURRENT) was spent.',
      registers: [registry],
    }),
    authRefusals: new Counter({
      name: 'liverty_auth_refusals_total',
      help: 'Calls refused by token authentication, by Connect code; every refusal is counted, while its log line may be sampled.',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    /** One successful GetOrCreate, as liverty_get_or_create_total counts it. */
    countGetOrCreate(created: boolean, isRegistration: boolean): void {
      getOrCreateChildren[Number(created)]?.[Number(isRegistration)]?.inc();
    },
    usersProvisioned: new Counter({
      name: 'liverty_users_provisioned_total',
      help: 'App user rows inserted, by the path that inserted them.',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    eventsApplied: new Counter({
      name: 'liverty_identity_events_total',
      help: 'ZITADEL events received, by source and outcome (applied, stale, duplicate, ignored).',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    }),
    provisioningLag: new Histogram({
      name: 'liverty_provisioning_lag_seconds',
      help: 'Time from the ZITADEL event to the app row being written, by source.',
      labelNames: ['source'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    webhookRejections: new Counter({
      name: 'liverty_webhook_rejections_total',
      help: 'Webhook deliveries refused, by reason.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    reconcilerLeader: new Gauge({
      name: 'liverty_reconciler_leader',
      help: '1 while this process holds the reconciler leadership lock.',
      registers: [registry],
    }),
    reconcilerCheckpointAge: new Gauge({
      name: 'liverty_reconciler_checkpoint_age_seconds',
      help: 'While ZITADEL has events newer than the reconciler checkpoint (or cannot say): seconds since the checkpoint instant. 0 when caught up.',
      registers: [registry],
    }),
    reconcilerFailures: new Counter({
      name: 'liverty_reconciler_failures_total',
      help: 'Reconciler polls that failed, by reason (event_api, list_users, unreadable_instant, database).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    snapshotsApplied: new Counter({
      name: 'liverty_user_snapshots_total',
      help: 'ListUsers snapshots applied for instants the Event API cannot page through, by source.',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
