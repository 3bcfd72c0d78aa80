// Mutation testing of the rules in provisioning/, auth/ and user/: `npm run test:mutation`.
// How, when and the scores: docs/mutation-testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // The suites that reach these folders, on Postgres only (mutation/vitest.mutation.config.ts).
  vitest: { configFile: 'mutation/vitest.mutation.config.ts' },
  mutate: ['src/provisioning/**/*.ts', 'src/auth/**/*.ts', 'src/user/**/*.ts'],
  // Each mutant runs only the tests that executed it in the first, unmutated run.
  coverageAnalysis: 'perTest',
  // A static mutant (a module-level constant or schema) would rerun every suite once per
  // mutant: 13% of the mutants in user/ took 64% of the run. They are reported as ignored.
  ignoreStatic: true,
  // Two cores shared with other work; each runner starts its own servers and databases.
  concurrency: 2,
  // A loaded machine stretches the suites; a mutant counts as timed out only well past that.
  timeoutFactor: 3,
  timeoutMS: 10_000,
  // Reruns test only mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['dist', '.data', '.pglite', 'reports', '.dist-test-*', '.data-dist-test-*'],
};
