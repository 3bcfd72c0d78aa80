import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the monotonic clock, the one process.hrtime reads. */
  startTime: number;
  endTime: number;
  /** Node id of each sample, and the time since the previous sample. */
  samples: number[];
  timeDeltas: number[];
}

/** A span on the monotonic clock, in microseconds (process.hrtime.bigint() / 1000). */
export interface ProfileWindow {
  startUs: number;
  endUs: number;
}

/** Now on the clock V8 stamps profile samples with. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface ProfileShare {
  category: string;
  /** Share of the main thread's busy time. */
  share: number;
  /** Main-thread time in the category inside the window, in microseconds. */
  micros: number;
}

// Ordered: the first matching rule names a sample's category.
const CATEGORIES: [string, (node: ProfileNode['callFrame']) => boolean][] = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  [
    'socket writes (native)',
    (f) => f.url === '' && /^(writeBuffer|writev|write\w*String)$/.test(f.functionName),
  ],
  ['token verification (jose)', (f) => f.url.includes('/node_modules/jose/')],
  ['node crypto (WebCrypto, hashing)', (f) => /node:internal\/crypto/.test(f.url)],
  // Connect gives every call an AbortSignal and aborts it when the call ends; each abort builds a
  // DOMException, stack trace included.
  [
    'AbortSignal, DOMException per call',
    (f) =>
      /node:internal\/(abort_controller|per_context\/domexception|event_target)/.test(f.url) ||
      f.url.includes('/@connectrpc/connect/dist/esm/protocol/signals.js'),
  ],
  ['Postgres driver (postgres.js)', (f) => f.url.includes('/node_modules/postgres/')],
  ['query building, row mapping (drizzle)', (f) => f.url.includes('/node_modules/drizzle-orm/')],
  ['Connect routing, JSON codec', (f) => f.url.includes('/@connectrpc/')],
  ['protobuf runtime', (f) => f.url.includes('/@bufbuild/protobuf/')],
  ['validation (zod)', (f) => f.url.includes('/node_modules/zod/')],
  [
    'JSON parse/stringify (native)',
    (f) => f.url === '' && /^(parse|stringify)$/.test(f.functionName),
  ],
  ['metrics, logging', (f) => /\/node_modules\/(prom-client|pino)/.test(f.url)],
  ['backend code', (f) => f.url.includes('/backend/src/')],
  [
    'node HTTP, sockets, streams',
    (f) => /node:(_http|http|net|internal\/(http|stream|streams|net|js_stream))/.test(f.url),
  ],
  // Node's Headers, Request and fetch come from its bundled undici; Connect builds Headers per call.
  ['fetch API classes (undici: Headers, fetch)', (f) => /node:internal\/deps\/undici/.test(f.url)],
  ['other node internals', (f) => f.url.startsWith('node:')],
  ['native, not attributed', (f) => f.functionName === '(program)' || f.url === ''],
];

/**
 * Where a backend process's main thread spent its time, from the largest .cpuprofile in `dir`. Only samples inside
 * `window` count, so start-up (module loading, migrations) and warm-up are left out; so is idle.
 */
export function summarizeCpuProfile(dir: string, window: ProfileWindow): ProfileShare[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  const file = files[0];
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // Each sample stands for the time since the previous one.
  const micros = new Map<string, number>();
  let busy = 0;
  let at = profile.startTime;
  for (let index = 0; index < profile.samples.length; index++) {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at < window.startUs || at > window.endUs) continue;
    const node = byId.get(profile.samples[index] as number);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const category =
      CATEGORIES.find(([, matches]) => matches(node.callFrame))?.[0] ?? 'other libraries';
    micros.set(category, (micros.get(category) ?? 0) + delta);
    busy += delta;
  }
  if (busy === 0) throw new Error('the CPU profile has no samples inside the load window');
  return [...micros.entries()]
    .map(([category, spent]) => ({ category, share: spent / busy, micros: spent }))
    .sort((a, b) => b.share - a.share);
}
