import { readdirSync, readFileSync } from 'node:fs';

// Linux reports process times in clock ticks; 100 per second on every mainstream kernel.
const TICKS_PER_SECOND = 100;
// Often enough that a process exiting mid-interval (a CLI, a Postgres backend whose client
// disconnected) loses at most this much of its CPU time from the count.
const SAMPLE_EVERY_MS = 200;

type Owner = { kind: 'group'; pgid: number } | { kind: 'postgres' } | { kind: 'pgbench' };

interface ProcessTimes {
  owner: Owner | undefined;
  seconds: number;
}

/**
 * Which part a Postgres process belongs to: backends serving a `bench_*` database and the
 * server's own processes (postmaster, WAL writer, checkpointer…) are the bench's Postgres; client
 * backends of other databases are other people's work on the shared server.
 */
function isBenchPostgres(pid: string): boolean {
  let title: string;
  try {
    title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return false;
  }
  // "postgres: 15/main: <user> <database> <client> <state>" for a client backend.
  const client = /^postgres: [^:]+: \S+ (\S+) \S+\(\d+\)/.exec(title);
  return client ? (client[1] ?? '').startsWith('bench_') : true;
}

function readProcesses(groups: Set<number>): Map<number, ProcessTimes> {
  const result = new Map<number, ProcessTimes>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // The command name is in parentheses and may itself contain spaces or parentheses.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(fields[2]);
    let owner: Owner | undefined;
    if (groups.has(pgrp)) owner = { kind: 'group', pgid: pgrp };
    else if (comm === 'pgbench') owner = { kind: 'pgbench' };
    else if (comm === 'postgres' && isBenchPostgres(entry)) owner = { kind: 'postgres' };
    if (!owner) continue;
    result.set(Number(entry), {
      owner,
      seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    });
  }
  return result;
}

/** Machine-wide busy and idle CPU seconds since boot, from the first line of /proc/stat. */
function readMachineTimes(): { busy: number; idle: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map((value) => Number(value) / TICKS_PER_SECOND);
  return {
    busy: (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0),
    idle: (idle ?? 0) + (iowait ?? 0),
  };
}

/** Who used the machine's CPU during an interval. */
export interface CpuShares {
  wallSeconds: number;
  /**
   * CPU seconds per part: each named process group, `postgres` (the bench's databases and the
   * server's own processes), `pgbench`, `bench` (this process: load generator, in-process
   * servers), `other` (the rest of the machine's busy time: work outside the benchmark) and
   * `idle`.
   */
  seconds: Record<string, number>;
  cores: number;
}

export interface CpuMeter {
  stop(): CpuShares;
}

export function startCpuMeter(groups: Record<string, number[]>, cores: number): CpuMeter {
  const nameOf = new Map<number, string>();
  for (const [name, pgids] of Object.entries(groups)) {
    for (const pgid of pgids) nameOf.set(pgid, name);
  }
  const groupIds = new Set(nameOf.keys());
  const startedAt = performance.now();
  const before = readProcesses(groupIds);
  const latest = new Map(before);
  const sample = () => {
    for (const [pid, times] of readProcesses(groupIds)) latest.set(pid, times);
  };
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  timer.unref();
  const benchBefore = process.cpuUsage();
  const machineBefore = readMachineTimes();

  return {
    stop() {
      clearInterval(timer);
      sample();
      const bench = process.cpuUsage(benchBefore);
      const machine = readMachineTimes();
      const wallSeconds = (performance.now() - startedAt) / 1000;
      const seconds: Record<string, number> = {
        bench: (bench.user + bench.system) / 1e6,
        postgres: 0,
        pgbench: 0,
      };
      for (const name of Object.keys(groups)) seconds[name] = 0;
      for (const [pid, times] of latest) {
        // A process that started during the interval spent all its CPU inside it.
        const used = times.seconds - (before.get(pid)?.seconds ?? 0);
        const name =
          times.owner?.kind === 'group' ? nameOf.get(times.owner.pgid) : times.owner?.kind;
        if (name) seconds[name] = (seconds[name] ?? 0) + used;
      }
      const attributed = Object.values(seconds).reduce((sum, value) => sum + value, 0);
      seconds.other = Math.max(0, machine.busy - machineBefore.busy - attributed);
      seconds.idle = Math.max(0, machine.idle - machineBefore.idle);
      return { wallSeconds, seconds, cores };
    },
  };
}

const rank = (name: string) => (name === 'idle' ? 2 : name === 'other' ? 1 : 0);

/** "app 0.95 · postgres 0.62 · bench 0.31 · other 0.02 · idle 0.05" in cores. */
export function formatCpuShares(shares: CpuShares): string {
  return Object.entries(shares.seconds)
    .filter(([, value]) => value / shares.wallSeconds >= 0.005)
    .sort(([a, x], [b, y]) => rank(a) - rank(b) || y - x)
    .map(([name, value]) => `${name} ${(value / shares.wallSeconds).toFixed(2)}`)
    .join(' · ');
}

/**
 * Waits, up to `maxSeconds`, for a moment when the machine is nearly idle before a measurement
 * starts. The bench's own servers are idle between points, so what is busy then is other work;
 * on a shared machine that work comes in bursts (test suites), and a point that starts in a lull
 * measures the product rather than its neighbours. Returns the cores that were busy at the start.
 */
export async function waitForQuietMachine(maxSeconds: number, busyCores = 0.3): Promise<number> {
  const deadline = performance.now() + maxSeconds * 1000;
  for (;;) {
    const before = readMachineTimes();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = readMachineTimes();
    const busy = (after.busy - before.busy) / 0.3;
    if (busy <= busyCores || performance.now() > deadline) return busy;
  }
}

/** Cores of other work above which a measurement is taken again. */
const DISTURBED_CORES = 0.3;

const otherCores = (cpu: CpuShares) => (cpu.seconds.other ?? 0) / cpu.wallSeconds;

/**
 * Runs a measurement, and again (up to `retries` more times) while other work on the machine
 * took more than 0.3 cores during it; keeps the least disturbed attempt. Other work only ever
 * slows a point down, so a repeat can only make it more representative.
 */
export async function leastDisturbed<T extends { cpu: CpuShares }>(
  attempt: () => Promise<T>,
  retries: number,
  onRetry: (first: T) => void = () => {},
): Promise<T> {
  let best = await attempt();
  for (let retry = 0; retry < retries && otherCores(best.cpu) > DISTURBED_CORES; retry++) {
    onRetry(best);
    const next = await attempt();
    if (otherCores(next.cpu) < otherCores(best.cpu)) best = next;
  }
  return best;
}
