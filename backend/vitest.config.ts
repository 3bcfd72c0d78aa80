import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start real HTTP servers and databases; two cores run two at a time comfortably.
    maxWorkers: 2,
  },
});
