import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunnerTask } from 'vitest';
import { afterAll, inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where each case file leaves its counts for the summary printed at the end. */
    tallyDir: string;
  }
}

/** The order rows appear in the summary, whichever order vitest ran the files in. */
export const CATEGORIES = [
  'postgres stopped mid-load',
  'backfill SIGKILLed',
  'reconciler SIGKILLed',
  'three replicas',
  'fuzzer',
  'token attacks',
  'hostile network',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface TallyCounts {
  category: Category;
  /** Requests sent (or, for the backfill, events offered). */
  tried: number;
  /** Refused the way the case demands: `unavailable`, `unauthenticated`, a 4xx… */
  rejectedAsExpected: number;
  /** Answered successfully where success was right (a valid token, a retry after restart). */
  acceptedAsExpected: number;
  /** Anything else: a 5xx other than 503, a hang past the bound, a reset connection. */
  unexpected: number;
  /**
   * Wrong answers of a kind already reported as a backend bug (see faults/README.md): counted
   * apart so the run stays green, and each pinned by a test that fails once the bug is fixed.
   */
  knownBug: number;
  /** Per known bug: how often it showed, and the first request that showed it. */
  knownBugs: Record<string, { count: number; example: string }>;
  /** Users or events that should be in the database and are not. */
  rowsLost: number;
  /** Rows that should not exist: duplicates, or rows written for a rejected caller. */
  rowsExtra: number;
  /** The first few unexpected answers, verbatim, so a failure explains itself. */
  samples: string[];
  notes: string[];
  /** Names of the tests in the file that failed (a case can fail before it counts anything). */
  failedTests: string[];
}

export interface Tally {
  readonly counts: TallyCounts;
  rejected(count?: number): void;
  accepted(count?: number): void;
  unexpected(sample: string): void;
  knownBug(bug: string, sample: string): void;
  note(text: string): void;
}

/**
 * Counts for one case file. Call once at the top level of the file: it registers the hooks that
 * record failed tests and, after the file's own clean-up, leave the counts for the summary.
 * Several case files may share a category; the summary adds their counts into one row.
 */
export function createTally(category: Category): Tally {
  const counts: TallyCounts = {
    category,
    tried: 0,
    rejectedAsExpected: 0,
    acceptedAsExpected: 0,
    unexpected: 0,
    rowsLost: 0,
    rowsExtra: 0,
    knownBug: 0,
    knownBugs: {},
    samples: [],
    notes: [],
    failedTests: [],
  };
  // Registered first, so with vitest's stacked hooks it runs after the file's other afterAll and
  // sees every test's final state (an `it.fails` that failed inside has passed).
  // biome-ignore lint/correctness/noEmptyPattern: vitest only passes the suite (second argument) to a hook whose unused context is destructured
  afterAll(({}, suite) => {
    counts.failedTests.push(...notPassed(suite.tasks));
    // One file per case file: a category split over several case files is summed by the summary.
    const caseFile = basename(suite.file.filepath, '.test.ts');
    const file = join(inject('tallyDir'), `${category.replace(/\W+/g, '-')}--${caseFile}.json`);
    writeFileSync(file, JSON.stringify(counts));
  });
  return {
    counts,
    rejected(count = 1) {
      counts.tried += count;
      counts.rejectedAsExpected += count;
    },
    accepted(count = 1) {
      counts.tried += count;
      counts.acceptedAsExpected += count;
    },
    unexpected(sample) {
      counts.tried++;
      counts.unexpected++;
      if (counts.samples.length < 8) counts.samples.push(sample.slice(0, 400));
    },
    knownBug(bug, sample) {
      counts.tried++;
      counts.knownBug++;
      const entry = counts.knownBugs[bug] ?? { count: 0, example: sample.slice(0, 400) };
      entry.count++;
      counts.knownBugs[bug] = entry;
    },
    note(text) {
      counts.notes.push(text);
    },
  };
}

/** Tests meant to run that did not pass: failed, or never ran because a hook failed. */
function notPassed(tasks: readonly RunnerTask[]): string[] {
  return tasks.flatMap((task) => {
    if (task.type === 'suite') return notPassed(task.tasks);
    return task.mode === 'run' && task.result?.state !== 'pass' ? [task.name] : [];
  });
}
