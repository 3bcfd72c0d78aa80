import type { MachineDescription } from '../describe-machine';
import type { GetOrCreateResults } from '../measure-get-or-create';
import { ms, rate, times } from './format';
import { best, perCallMicros, GET_OR_CREATE_TARGETS as TARGETS } from './get-or-create';

// Why GetOrCreate's figures are what they are, from the CPU each point used.

/** What limits GetOrCreate: bullet points for the "What limits them" section. */
export function getOrCreateLimits(g: GetOrCreateResults, machine: MachineDescription): string {
  const lines: string[] = [];
  const real = best(g, 'real', 'existing');
  const noop = best(g, 'noop', 'existing');
  const pgbench = best(g, 'pgbench', 'existing');
  const realNew = best(g, 'real', 'new');
  if (real && pgbench && noop) {
    const share = (part: string) =>
      ((real.cpu.seconds[part] ?? 0) / real.cpu.wallSeconds).toFixed(2);
    const appMicros = perCallMicros(real, 'app');
    const pgMicros = perCallMicros(real, 'postgres');
    lines.push(
      `- **Where a returning user's call goes.** At the backend's best point (existing users, c=${real.concurrency}, ${rate(real.result.throughput)} req/s) the ${machine.cpus} cores went to: backend ${share('app')}, Postgres ${share('postgres')}, load generator ${share('bench')}, issuer ${share('issuer')}, other work on the machine ${share('other')}, idle ${share('idle')}. Per call: ${Math.round(appMicros)} µs of backend CPU and ${Math.round(pgMicros)} µs of Postgres CPU; pgbench needs ${Math.round(perCallMicros(pgbench, 'postgres'))} µs of Postgres CPU for the same statement. The bottleneck is the ${appMicros > pgMicros ? 'Node process' : 'database'}.`,
    );
    const noopRatio = noop.result.throughput / pgbench.result.throughput;
    lines.push(
      `- **The framework limit${noopRatio < TARGETS.vsPgbench ? ' is itself below the pgbench target' : ''}.** The no-op Connect handler on the backend's own HTTP front (listenHttp1AndH2c over node:http, same limits; no token check, no query) peaks at ${rate(noop.result.throughput)} req/s = ${times(noopRatio)} pgbench, spending ${Math.round(perCallMicros(noop, 'app'))} µs of server CPU per call on HTTP parsing, Connect routing, JSON and socket writes${noopRatio < TARGETS.vsPgbench ? `. No handler on this stack can reach ${TARGETS.vsPgbench}× pgbench on these ${machine.cpus} cores, where pgbench is a C client sending a prepared statement over the Postgres protocol` : ''}. The backend reaches ${times(real.result.throughput / noop.result.throughput)} of the framework limit${g.profile ? '; the profile below shows where its main thread goes' : ''}.`,
    );
  }
  for (const workload of ['existing', 'new'] as const) {
    const at = (implementation: 'real' | 'noop' | 'pgbench') =>
      g.halfMax.find((p) => p.implementation === implementation && p.workload === workload);
    const half = at('real');
    const halfNoop = at('noop');
    const halfPg = at('pgbench');
    if (!half || !halfNoop || !halfPg) continue;
    const other = (half.cpu.seconds.other ?? 0) / half.cpu.wallSeconds;
    const causes: string[] = [
      `every call crosses three processes (load generator, backend, Postgres) that must each be woken on a ${machine.cpus}-vCPU ${machine.virtualization}`,
    ];
    if (half.checkpoints > 0) {
      causes.push(
        `${half.checkpoints} Postgres checkpoint(s) ran during the backend's run (on this shared server every DROP DATABASE by a test suite forces one), and each stalls commits while it writes and fsyncs`,
      );
    }
    if (workload === 'new') {
      causes.push(
        'each new user also waits for a userinfo call to the issuer and for its insert to be flushed to the WAL on commit, which the no-op skips',
      );
    }
    if (other > 0.05) causes.push(`other work took ${other.toFixed(2)} cores meanwhile`);
    lines.push(
      `- **Tail latency, ${workload} users.** At ${rate(half.rate)} req/s offered the backend's p99 is ${ms(half.result.p99)} ms (p50 ${ms(half.result.p50)} ms); at the same rate the no-op handler's p99 is ${ms(halfNoop.result.p99)} ms and pgbench's ${ms(halfPg.result.p99)} ms. ${
        Math.min(halfNoop.result.p99, halfPg.result.p99) > TARGETS.p99AtHalfMaxMs
          ? `Neither a handler that does nothing nor Postgres alone stays under ${TARGETS.p99AtHalfMaxMs} ms here, so the target is below this machine's floor:`
          : 'Contributing:'
      } ${causes.join('; ')}.`,
    );
  }
  if (realNew) {
    lines.push(
      `- **New users** add a userinfo round trip to the issuer (in-process cache miss) and a real insert with its commit flush (fsync=on, synchronous_commit=on): ${rate(realNew.result.throughput)} req/s at best (c=${realNew.concurrency}), ${Math.round(perCallMicros(realNew, 'app'))} µs backend CPU and ${Math.round(perCallMicros(realNew, 'postgres'))} µs Postgres CPU per call; the issuer stand-in used ${((realNew.cpu.seconds.issuer ?? 0) / realNew.cpu.wallSeconds).toFixed(2)} cores of the same machine.`,
    );
  }
  const other = g.points.map((point) => (point.cpu.seconds.other ?? 0) / point.cpu.wallSeconds);
  const meanOther = other.reduce((sum, value) => sum + value, 0) / Math.max(1, other.length);
  if (meanOther > 0.1) {
    lines.push(
      `- **Other work shared the machine**: on average ${meanOther.toFixed(2)} cores were busy with processes outside this benchmark during the GetOrCreate points (load average ${machine.loadAverageAtStart} at start). Ratios are measured interleaved, point by point, so they suffer less than absolute rates.`,
    );
  }
  return lines.join('\n');
}
