import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { CATEGORIES, type TallyCounts } from './fault-tally';

const COLUMNS = [
  ['category', 26],
  ['tried', 8],
  ['rejected as expected', 21],
  ['accepted', 9],
  ['unexpected', 11],
  ['known bug', 10],
  ['rows lost', 10],
  ['rows extra', 11],
] as const;

function row(cells: (string | number)[]): string {
  return cells
    .map((cell, index) => {
      const width = COLUMNS[index]?.[1] ?? 10;
      return index === 0 ? String(cell).padEnd(width) : String(cell).padStart(width);
    })
    .join(' │ ');
}

function renderTable(tallies: Map<string, TallyCounts>): string {
  const lines = [row(COLUMNS.map(([name]) => name))];
  lines.push(lines[0]?.replace(/[^│]/g, '─').replace(/│/g, '┼') ?? '');
  const total = { tried: 0, rejected: 0, accepted: 0, unexpected: 0, known: 0, lost: 0, extra: 0 };
  for (const category of CATEGORIES) {
    const counts = tallies.get(category);
    if (!counts) {
      lines.push(row([category, 'not run', '', '', '', '', '', '']));
      continue;
    }
    lines.push(
      row([
        category,
        counts.tried,
        counts.rejectedAsExpected,
        counts.acceptedAsExpected,
        counts.unexpected,
        counts.knownBug,
        counts.rowsLost,
        counts.rowsExtra,
      ]),
    );
    if (counts.failedTests.length > 0) {
      lines.push(`  ↳ FAILED: ${counts.failedTests.join('; ')}`);
    }
    total.tried += counts.tried;
    total.rejected += counts.rejectedAsExpected;
    total.accepted += counts.acceptedAsExpected;
    total.unexpected += counts.unexpected;
    total.known += counts.knownBug;
    total.lost += counts.rowsLost;
    total.extra += counts.rowsExtra;
  }
  lines.push(lines[1] ?? '');
  lines.push(
    row([
      'total',
      total.tried,
      total.rejected,
      total.accepted,
      total.unexpected,
      total.known,
      total.lost,
      total.extra,
    ]),
  );
  return lines.join('\n');
}

/** One row for a category whose cases are split over several files. */
function addCounts(a: TallyCounts, b: TallyCounts): TallyCounts {
  const knownBugs = { ...a.knownBugs };
  for (const [bug, { count, example }] of Object.entries(b.knownBugs)) {
    knownBugs[bug] = {
      count: (knownBugs[bug]?.count ?? 0) + count,
      example: knownBugs[bug]?.example ?? example,
    };
  }
  return {
    category: a.category,
    tried: a.tried + b.tried,
    rejectedAsExpected: a.rejectedAsExpected + b.rejectedAsExpected,
    acceptedAsExpected: a.acceptedAsExpected + b.acceptedAsExpected,
    unexpected: a.unexpected + b.unexpected,
    knownBug: a.knownBug + b.knownBug,
    knownBugs,
    rowsLost: a.rowsLost + b.rowsLost,
    rowsExtra: a.rowsExtra + b.rowsExtra,
    samples: [...a.samples, ...b.samples].slice(0, 8),
    notes: [...a.notes, ...b.notes],
    failedTests: [...a.failedTests, ...b.failedTests],
  };
}

/**
 * vitest global setup: gives every case file a directory for its counts, and once all files
 * have run prints one table over all of them. The cases assert on their own counts; the table
 * is what a reader of the CI log sees.
 */
export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'liverty-faults-tally-'));
  project.provide('tallyDir', dir);
  return () => {
    const tallies = new Map<string, TallyCounts>();
    for (const file of readdirSync(dir)) {
      const counts = JSON.parse(readFileSync(join(dir, file), 'utf8')) as TallyCounts;
      const earlier = tallies.get(counts.category);
      tallies.set(counts.category, earlier ? addCounts(earlier, counts) : counts);
    }
    rmSync(dir, { recursive: true, force: true });
    const notes = [...tallies.values()].flatMap((counts) => [
      ...counts.notes.map((note) => `  ${counts.category}: ${note}`),
      ...Object.entries(counts.knownBugs).map(
        ([bug, { count, example }]) =>
          `  ${counts.category}, KNOWN BUG ×${count}: ${bug}\n      e.g. ${example}`,
      ),
      ...counts.samples.map((sample) => `  ${counts.category}, unexpected: ${sample}`),
    ]);
    process.stdout.write(
      `\nFault and abuse suite\n\n${renderTable(tallies)}\n${notes.length > 0 ? `\n${notes.join('\n')}\n` : ''}\n`,
    );
    // The cases assert on their own counts already; this also fails a run whose case forgot to.
    const broken = [...tallies.values()].filter(
      (counts) =>
        counts.unexpected > 0 ||
        counts.rowsLost > 0 ||
        counts.rowsExtra > 0 ||
        counts.failedTests.length > 0,
    );
    if (broken.length > 0) {
      throw new Error(
        `fault suite expectations failed in: ${broken.map((counts) => counts.category).join(', ')}`,
      );
    }
  };
}
