import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each case starts backends, databases and load of its own; two at once would fight over the
    // two cores and turn latency bounds into noise. One file at a time, one case at a time.
    fileParallelism: false,
    maxWorkers: 1,
    // Every case carries its own deadlines; these only catch a case that forgot one.
    testTimeout: 150_000,
    hookTimeout: 90_000,
    teardownTimeout: 30_000,
    // The summary table is printed once all files have reported their counts.
    globalSetup: ['test/support/print-summary.ts'],
  },
});
