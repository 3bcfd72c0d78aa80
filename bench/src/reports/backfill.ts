import type { BackfillResults } from '../measure-backfill';
import type { CpuShares } from '../measure-cpu';
import { rate, table, times } from './format';

// The backfill's part of the reports (docs/benchmarks.md and the console summary).

export const BACKFILL_TARGET_EVENTS_PER_SECOND = 20_000;
export const BACKFILL_TARGET_COPY_RATIO = 0.4;

const cores = (cpu: CpuShares, part: string) => (cpu.seconds[part] ?? 0) / cpu.wallSeconds;
/** CPU microseconds one event cost a part, over the whole measured run. */
const microsPerEvent = (cpu: CpuShares, part: string, events: number) =>
  ((cpu.seconds[part] ?? 0) / events) * 1e6;

function cpuCell(cpu: CpuShares, own: string): string {
  return [own, 'postgres', 'other', 'idle']
    .map((part) => `${part === 'postgres' ? 'Postgres' : part} ${cores(cpu, part).toFixed(2)}`)
    .join(' · ');
}

/** The targets-table row. */
export function backfillTarget(b: BackfillResults) {
  return {
    target: `backfill ≥ ${rate(BACKFILL_TARGET_EVENTS_PER_SECOND)} events/s and ≥ ${BACKFILL_TARGET_COPY_RATIO}× COPY`,
    measured: `${rate(b.eventsPerSecond)} events/s (${times(b.ratio)} COPY)${b.dense ? `; dense history ${rate(b.dense.eventsPerSecond)} events/s (${times(b.dense.ratio)} COPY)` : ''}`,
    ok:
      b.eventsPerSecond >= BACKFILL_TARGET_EVENTS_PER_SECOND &&
      b.ratio >= BACKFILL_TARGET_COPY_RATIO,
  };
}

/** Section 3 of docs/benchmarks.md. */
export function backfillSection(b: BackfillResults): string {
  const rows = [
    [
      `\`sync-backfill.ts\`, ${rate(b.events)} \`user.human.added\` (one signup every 100 ms) in ${b.pages} requests`,
      `${b.backfillSeconds.toFixed(2)} (${b.wallSeconds.toFixed(1)} with start-up)`,
      rate(b.eventsPerSecond),
      times(b.ratio),
      cpuCell(b.cpu, 'backfill CLI'),
    ],
    [
      '`COPY` of the same rows (users + identity_events), one transaction',
      b.copySeconds.toFixed(2),
      rate(b.copyEventsPerSecond),
      '1.00×',
      cpuCell(b.copyCpu, 'bench'),
    ],
  ];
  const d = b.dense;
  if (d) {
    rows.push(
      [
        `\`sync-backfill.ts\`, dense history: ${rate(d.events)} events for ${rate(d.users)} users, two per signup instant at 10,000 signups/s, ${d.denseInstants} instants of 5,000 events read through ListUsers; ${d.requests} requests (${d.listUsersRequests} ListUsers)`,
        d.backfillSeconds.toFixed(2),
        rate(d.eventsPerSecond),
        times(d.ratio),
        cpuCell(d.cpu, 'backfill CLI'),
      ],
      [
        '`COPY` of the dense history’s rows',
        d.copySeconds.toFixed(2),
        rate(d.copyEventsPerSecond),
        '1.00×',
        '—',
      ],
    );
  }
  const parts = [
    table(['run', 'seconds', 'events/s', '÷ COPY', 'CPU (cores)'], rows),
    `After the backfill: ${rate(b.rowsAfterBackfill.users)} users, ${rate(b.rowsAfterBackfill.identityEvents)} identity events, ${b.rowsAfterBackfill.secretsStored} payloads with a password hash${d ? `; dense history: ${rate(d.rowsAfterBackfill.users)} users, ${rate(d.rowsAfterBackfill.identityEvents)} identity events (the ListUsers snapshots are not events)` : ''}. The events come from a local server answering ZITADEL's \`POST /admin/v1/events/_search\` and \`POST /v2/users\` with ZITADEL's rules; the CLI's own timer (after start-up and migrations) is used.`,
    `CPU per event over the whole run (start-up included): CLI ${microsPerEvent(b.cpu, 'backfill CLI', b.events).toFixed(0)} µs, Postgres ${microsPerEvent(b.cpu, 'postgres', b.events).toFixed(0)} µs; COPY: Postgres ${microsPerEvent(b.copyCpu, 'postgres', b.events).toFixed(0)} µs, the bench's COPY client ${microsPerEvent(b.copyCpu, 'bench', b.events).toFixed(0)} µs. These are less sensitive than rates to other work sharing the machine.`,
  ];
  if (b.profile) {
    parts.push(
      "Where the CLI's main thread goes (CPU profile of a smaller run, cut to the span the Event API was read):",
      table(
        ['category (self time)', 'share'],
        b.profile
          .filter((share) => share.share >= 0.01)
          .map((share) => [share.category, `${(share.share * 100).toFixed(0)}%`]),
      ),
    );
  }
  return parts.join('\n\n');
}

/** The backfill's bullet under "What limits them". */
export function backfillLimits(b: BackfillResults): string {
  const perEvent = (part: string) => microsPerEvent(b.cpu, part, b.events);
  const busy = cores(b.cpu, 'other');
  return `- **Backfill** (${rate(b.eventsPerSecond)} events/s, ${times(b.ratio)} COPY): a page of 1000 events costs the CLI ${perEvent('backfill CLI').toFixed(0)} ms of CPU and Postgres ${perEvent('postgres').toFixed(0)} ms (start-up included). Two segments are in the database at once (one applies while the previous commits, commits in order), so the CLI and Postgres overlap where cores allow (other work took ${busy.toFixed(2)} cores of this 2-core machine; ${cores(b.cpu, 'idle').toFixed(2)} stayed idle). The CLI is one JavaScript thread: at ${cores(b.cpu, 'backfill CLI').toFixed(2)} cores it is the limit when the machine is quiet. COPY needs ${microsPerEvent(b.copyCpu, 'postgres', b.events).toFixed(0)} µs of Postgres per event against ${perEvent('postgres').toFixed(0)} µs for the backfill's two set-based statements (conflict checks on the event log and the users, JSON to parse). ${
    b.profile
      ? `The CLI's profile: ${b.profile
          .slice(0, 3)
          .map((entry) => `${entry.category} ${(entry.share * 100).toFixed(0)}%`)
          .join(', ')}.`
      : ''
  }`;
}
