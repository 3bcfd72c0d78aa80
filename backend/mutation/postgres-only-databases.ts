// The mutation run's stand-in for test/support/test-databases.ts: the same helpers, with every
// describe.each(databaseKinds) suite on Postgres only. A PGlite database costs seconds of
// WebAssembly and initdb per suite, and Stryker starts each covering suite again for every mutant;
// the code under mutation is the same on both drivers (the PGlite runs stay in `npm test`).
export * from '../test/support/test-databases';
export const databaseKinds = ['postgres'] as const;
