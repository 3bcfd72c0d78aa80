import type { ScalingResults } from '../measure-scaling';
import type { BenchResults } from '../write-reports';
import { CPU_HEADER, CPU_PARTS, cpuCells, ms, rate, table, times } from './format';

// The 1 → 2 → 3 process curve: a row in docs/benchmarks.md and the whole of docs/scaling.md.

export function scalingTable(s: ScalingResults): string {
  const one = s.points[0]?.result.throughput ?? Number.NaN;
  return table(
    ['backend processes', 'req/s', '÷ one process', 'p50 ms', 'p99 ms', 'errors', ...CPU_HEADER],
    s.points.map((point) => [
      String(point.processes),
      rate(point.result.throughput),
      times(point.result.throughput / one),
      ms(point.result.p50),
      ms(point.result.p99),
      String(point.result.errors),
      ...cpuCells(point.cpu, CPU_PARTS),
    ]),
  );
}

function duplicatesSentence(results: BenchResults): string {
  const real = results.getOrCreate?.duplicates.find((d) => d.implementation === 'real');
  const naive = results.getOrCreate?.duplicates.find((d) => d.implementation === 'naive');
  if (!real || !naive) return '';
  return `In this run's duplicate-calls check (${real.users} new users, ${real.callsPerUser} simultaneous calls each) the backend left ${real.rows} rows, answered \`created: true\` ${real.createdTrue} times and failed ${real.failed} calls; the naive select-then-insert failed ${naive.failed} calls with ${naive.uniqueViolations} unique violations.`;
}

/** Why the curve has its shape, from the CPU each point used. */
function scalingExplanation(s: ScalingResults, cpus: number): string {
  const one = s.points[0];
  const last = s.points.at(-1);
  if (!one || !last || one === last) return '';
  const cores = (point: typeof one, part: string) =>
    (point.cpu.seconds[part] ?? 0) / point.cpu.wallSeconds;
  const perCall = (point: typeof one) =>
    ((point.cpu.seconds.app ?? 0) / Math.max(1, point.result.requests)) * 1e6;
  const peak = [...s.points].sort((a, b) => b.result.throughput - a.result.throughput)[0] ?? one;
  const parts: string[] = [];
  const oneIdle = cores(one, 'idle');
  parts.push(
    oneIdle >= 0.25
      ? `One process left ${oneIdle.toFixed(2)} cores idle while using ${cores(one, 'app').toFixed(2)}: its single event loop was the limit.`
      : `One process already left almost no core idle (${oneIdle.toFixed(2)}).`,
  );
  if (peak !== one) {
    parts.push(
      `A second event loop could use that: throughput peaked at ${times(peak.result.throughput / one.result.throughput)} with ${peak.processes} processes (idle ${cores(peak, 'idle').toFixed(2)}).`,
    );
  }
  if (peak !== last || peak === one) {
    parts.push(
      `With ${last.processes} the cores were full (idle ${cores(last, 'idle').toFixed(2)}) and server CPU per call rose from ${Math.round(perCall(one))} µs with one process to ${Math.round(perCall(last))} µs: ${last.processes} event loops time-share ${cpus} cores with Postgres and the load generator, each with its own connection pool and caches to keep warm, so more processes add switching rather than calls.`,
    );
  }
  return parts.join(' ');
}

export function renderScaling(results: BenchResults): string {
  const s = results.scaling;
  if (!s) throw new Error('no scaling results');
  const one = s.points[0];
  const last = s.points.at(-1);
  const idle = (point: typeof one) =>
    point ? ((point.cpu.seconds.idle ?? 0) / point.cpu.wallSeconds).toFixed(2) : '—';
  const pg = (point: typeof one) =>
    point ? ((point.cpu.seconds.postgres ?? 0) / point.cpu.wallSeconds).toFixed(2) : '—';
  const other = (point: typeof one) =>
    point ? ((point.cpu.seconds.other ?? 0) / point.cpu.wallSeconds).toFixed(2) : '—';
  const app = (point: typeof one) =>
    point ? ((point.cpu.seconds.app ?? 0) / point.cpu.wallSeconds).toFixed(2) : '—';
  return `# Scaling: many backend replicas, one Postgres

<!-- The measured part is written by \`npm run bench\` (bench/src/write-reports.ts). -->

## Measured here: 1 → 2 → 3 backend processes

${s.existingUsers.toLocaleString('en-US')} existing users, GetOrCreate in a closed loop at ${s.concurrency} concurrent callers spread round-robin over the processes, userinfo caches warm, ${results.config.seconds} s per point, on ${results.machine.cpus} cores (${results.machine.cpuModel}, ${results.machine.virtualization}) with Postgres ${results.machine.postgres} on the same machine, ${results.machine.date.slice(0, 10)}. CPU in cores; "server" sums every backend process.

${scalingTable(s)}

With one process the backend used ${app(one)} cores, Postgres ${pg(one)}, work outside the benchmark ${other(one)}, and ${idle(one)} stayed idle. ${
    last && one && last !== one
      ? `With ${last.processes}, the backends together used ${app(last)}, Postgres ${pg(last)}, other work ${other(last)}, idle ${idle(last)}; throughput was ${times(last.result.throughput / one.result.throughput)} of one process. `
      : ''
  }${scalingExplanation(s, results.machine.cpus)} What the curve does show is that replicas cost nothing in correctness: every point ran against one database with the same answers. The headroom appears when replicas get their own cores (separate machines or pods); then the ceiling moves to Postgres.

## How the design runs at many replicas

- **Stateless backends.** A backend holds no session or user state. Everything it caches is derived and expires on its own: the issuer's discovery document (1 h), its key set (hand-written, \`backend/src/auth/issuer-key-set.ts\`: refetched after 10 min, on an unknown \`kid\` at most every 30 s, and kept through an issuer outage for up to \`OIDC_JWKS_MAX_STALE_SECONDS\`), verified tokens by hash (a JWT up to 60 s, an opaque token up to 30 s, never past \`exp\`), opaque tokens the issuer called inactive (10 s) and userinfo per token hash (30 s, also the revocation bound: [decision 031](decisions/031-introspection-budget-and-a-revocation-bound-on-every-path.md)); both token caches are bounded to 10,000 entries. Returning users' rows are kept for up to 30 s (\`RETURNING_USER_CACHE_MS\`) and forgotten by every replica as soon as any replica commits a change to them (a trigger's \`NOTIFY users_changed\`, [decision 027](decisions/027-returning-users-answered-from-memory.md)). A replica that has not seen a token yet verifies it and asks userinfo once, so round-robin load balancing costs one extra verification per token per replica. Any replica can answer any call; a load balancer needs no affinity, and a replica can be killed at any time.
- **Postgres is the only coordination point.** Correctness never depends on which replica answers:
  - GetOrCreate is one statement keyed by the unique \`zitadel_user_id\`; concurrent first calls on different replicas serialise on that index entry and give one row, and \`created: true\` goes to exactly one caller (the claim id stored with \`coalesce\`). ${duplicatesSentence(results)}
  - Webhook deliveries and reconciler polls are idempotent through the \`identity_events\` unique key (aggregate, id, sequence), and order-safe through per-field sequences, so the same event applied by two replicas, or twice by one, is a no-op.
  - Migrations run under a session advisory lock, so replicas starting together do not race on DDL.
- **One reconciler leader.** Every replica tries \`pg_try_advisory_lock\` on a dedicated connection each interval; the one that holds it polls the Event API and moves the checkpoint in the same transaction as the events it applied. If the leader dies, its session ends, the lock frees, and another replica takes over at its next tick; a crash mid-page rolls the page back and the next leader re-reads it. Leadership is observable at \`liverty_reconciler_leader\`.
- **What saturates first.** On this ${results.machine.cpus}-core machine: CPU, shared by the backend (HTTP parsing, Connect's per-call machinery and JSON, the Postgres driver, and a signature check for each token it has not seen in the last minute), Postgres and the load generator; see the CPU columns above and in [benchmarks.md](benchmarks.md). With replicas on their own cores, the next limits are Postgres: connections (each replica opens up to 12: a pool of up to 10, one connection of its own for the returning-user cache's \`LISTEN users_changed\` and, with the reconciler on, one for its leader lock, whether or not it is the leader, all in \`backend/src/db/open-database.ts\`; \`sync:backfill\` and \`sync:drift\` open a pool of their own. The listening and lock connections hold session state (LISTEN, a session advisory lock), so they must reach Postgres directly or through a session-mode pooler; 100 replicas need a pooler such as PgBouncer in transaction mode for their pools; GetOrCreate's one statement keeps no session state, but it is a named prepared statement, so the pooler must track those — PgBouncer ≥ 1.21 with \`max_prepared_statements\` — or the driver must stop preparing), then commit flushes for new users (one WAL flush per insert; group commit helps as concurrency grows), then the single \`users\` unique index for hot keys. The issuer is the other shared dependency: every cache miss is one userinfo call, so a sign-up burst is bounded by ZITADEL's userinfo rate, not by the replicas.
- **Scaling the reconciler** is not needed for throughput: one leader applies pages of 1000 events in a transaction each (see the backfill figure in [benchmarks.md](benchmarks.md)), far above the rate at which people sign up.
`;
}
