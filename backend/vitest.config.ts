import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A test that creates a PGlite database spends seconds in its WebAssembly and initdb on a quiet
    // machine and up to half a minute on two busy cores; the limit only catches a hang.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Suites start real HTTP servers and databases; two cores run two at a time comfortably.
    maxWorkers: 2,
  },
});
