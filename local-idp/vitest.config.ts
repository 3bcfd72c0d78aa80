import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test file starts real servers; RSA key generation and scrypt are CPU-bound on 2 cores.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
