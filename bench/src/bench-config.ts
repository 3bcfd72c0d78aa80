import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root and the bench workspace, wherever npm was started from. */
export const BENCH_DIR = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const ROOT_DIR = resolve(BENCH_DIR, '..');
export const BACKEND_DIR = resolve(ROOT_DIR, 'backend');
export const FRONTEND_DIR = resolve(ROOT_DIR, 'frontend');
export const TSX = resolve(ROOT_DIR, 'node_modules', '.bin', 'tsx');
export const VITE = resolve(ROOT_DIR, 'node_modules', '.bin', 'vite');

/** A clone of this repository with its own `npm ci`: its backend, run with its own tsx. */
export interface Checkout {
  backendDir: string;
  tsx: string;
}

export function checkoutAt(root: string): Checkout {
  return {
    backendDir: resolve(root, 'backend'),
    tsx: resolve(root, 'node_modules', '.bin', 'tsx'),
  };
}

/** The checkout the bench runs from; the same-run A/B scripts name others. */
export const THIS_CHECKOUT: Checkout = { backendDir: BACKEND_DIR, tsx: TSX };

export const SECTIONS = [
  'get-or-create',
  'enricher',
  'frontend',
  'backfill',
  'browser',
  'scaling',
  'sweep',
] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchConfig {
  /** Admin connection used to create and drop one database per measurement. */
  adminDatabaseUrl: string;
  /** Length of every measured load point; the whole run scales with it. */
  seconds: number;
  /** Closed-loop concurrencies for GetOrCreate. */
  concurrencies: number[];
  /** Pre-provisioned users for the existing-users workload. */
  existingUsers: number;
  /** Synthetic events for the backfill. */
  events: number;
  /** Users the sweep lists (docs/sweep.md). */
  sweepUsers: number;
  /** Browser signups for the callback → ready median. */
  signups: number;
  /** Total closed-loop concurrency for the 1 → 2 → 3 process curve. */
  scalingConcurrency: number;
  /** CPU-profile the backend and the backfill CLI in extra runs. */
  profile: boolean;
  /** Longest wait for other work on the machine to pause before each measurement. */
  quietWaitSeconds: number;
  /** Repeats of a load point that other work disturbed (> 0.3 cores); the least disturbed wins. */
  retries: number;
  chromiumPath: string;
  sections: Section[];
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

/** Every knob comes from the environment so a quick run and a careful run are the same command. */
export function loadBenchConfig(): BenchConfig {
  const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,8,32,64')
    .split(',')
    .map((item) => Number(item.trim()))
    .filter((value) => Number.isInteger(value) && value > 0);
  if (concurrencies.length === 0) throw new Error('BENCH_CONCURRENCY must list positive integers');
  const only = process.env.BENCH_ONLY?.split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  for (const section of only ?? []) {
    if (!(SECTIONS as readonly string[]).includes(section)) {
      throw new Error(`BENCH_ONLY: unknown section "${section}" (known: ${SECTIONS.join(', ')})`);
    }
  }
  return {
    adminDatabaseUrl:
      process.env.BENCH_DATABASE_URL ??
      process.env.TEST_DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/test',
    seconds: positiveInt('BENCH_SECONDS', 5),
    concurrencies,
    existingUsers: Math.round(positiveInt('BENCH_USERS', 2000)),
    events: Math.round(positiveInt('BENCH_EVENTS', 100_000)),
    sweepUsers: Math.round(positiveInt('BENCH_SWEEP_USERS', 100_000)),
    signups: Math.round(positiveInt('BENCH_SIGNUPS', 20)),
    scalingConcurrency: Math.round(positiveInt('BENCH_SCALING_CONCURRENCY', 64)),
    profile: process.env.BENCH_PROFILE !== '0',
    quietWaitSeconds: Number(process.env.BENCH_QUIET_WAIT_SECONDS ?? 3) || 0,
    retries: Math.max(0, Math.round(Number(process.env.BENCH_RETRIES ?? 1) || 0)),
    chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    sections: only && only.length > 0 ? (only as Section[]) : [...SECTIONS],
  };
}
