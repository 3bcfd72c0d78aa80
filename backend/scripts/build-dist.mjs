// Compiles the backend for production: `node dist/main.js`, no tsx at run time (backend/Dockerfile).
//
// The sources import each other without file extensions (moduleResolution "bundler", shared with
// tsx, Vite and vitest), which Node's ESM loader does not resolve, so tsc's own output would not
// run as it is. esbuild (the compiler tsx already runs on) bundles the backend's modules and the
// workspaces it imports (@liverty-music/gen, TypeScript sources) into one ESM file per entry
// point; every npm dependency stays an import, resolved from node_modules at run time. Types are
// checked by `tsc --noEmit` first (`npm run build`): esbuild only strips them.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const outdir = process.argv[2] ?? 'dist';
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys(manifest.dependencies ?? {}).filter(
  (name) => !name.startsWith('@liverty-music/'),
);

await build({
  entryPoints: ['src/main.ts', 'src/cli/sync-backfill.ts', 'src/cli/sync-drift.ts'],
  outbase: 'src',
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The oldest Node the backend supports (package.json engines).
  target: 'node20.19',
  // Subpath imports (`@zitadel/proto/zitadel/...`, `drizzle-orm/pg-core`) stay external too.
  external: external.flatMap((name) => [name, `${name}/*`]),
  sourcemap: true,
  logLevel: 'warning',
});
process.stdout.write(
  `backend built into ${outdir}/ (main.js, cli/sync-backfill.js, cli/sync-drift.js)\n`,
);
