import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../vitest.config';

/**
 * The tests Stryker runs against each mutant of src/provisioning, src/auth and src/user
 * (stryker.config.mjs): the suites that reach those folders, on Postgres only.
 */
export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^\.\/support\/test-databases$/,
        replacement: fileURLToPath(new URL('./postgres-only-databases.ts', import.meta.url)),
      },
    ],
  },
  test: {
    // The limits of `npm test` (mergeConfig would add its include list to this one).
    ...base.test,
    // Every suite but those that reach these folders only through suites already run (sync,
    // CLI, build, Dockerfile, HTTP limits, config): a new test of a rule is in without a change here.
    include: ['test/**/*.test.ts'],
    exclude: [
      'test/alert-rules.test.ts',
      'test/compiled-backend.test.ts',
      'test/config.test.ts',
      'test/connect-contract.test.ts',
      'test/dockerfile.test.ts',
      'test/h2c-limits.test.ts',
      'test/http-limits.test.ts',
      'test/human-creating-methods.test.ts',
      'test/keep-alive-after-refusal.test.ts',
      'test/parse-listed-users.test.ts',
      'test/room-graph.test.ts',
      'test/rpc-protocols.test.ts',
      'test/signup-policy.test.ts',
      'test/sync-*.test.ts',
      'test/zitadel-client.test.ts',
    ],
  },
});
