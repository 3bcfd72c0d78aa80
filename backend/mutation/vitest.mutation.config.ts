import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../vitest.config';

/**
 * The tests Stryker runs against each mutant of src/provisioning, src/auth and src/user
 * (stryker.config.json): the suites that import those folders, on Postgres only. Left out: the
 * sync, CLI, build and Dockerfile suites (they reach the mutated code only through suites already
 * here, and cost minutes per run).
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
    include: [
      'test/accepted-token-cache.test.ts',
      'test/actions.test.ts',
      'test/apply-identity-events.test.ts',
      'test/erasure.test.ts',
      'test/field-rule.test.ts',
      'test/human-only.test.ts',
      'test/identity-event-payload.test.ts',
      'test/introspection-budget.test.ts',
      'test/issuer-key-set.test.ts',
      'test/opaque-token-shape.test.ts',
      'test/provision-from-token.test.ts',
      'test/provisioning-paths.test.ts',
      'test/provisioning-statements.test.ts',
      'test/reconciler.test.ts',
      'test/returning-user-cache.test.ts',
      'test/returning-users-across-replicas.test.ts',
      'test/revocation-bound.test.ts',
      'test/sampled-refusal-log.test.ts',
      'test/server.test.ts',
      'test/token-matrix.test.ts',
      'test/verify-access-token.test.ts',
      'test/webhook.test.ts',
    ],
  },
});
