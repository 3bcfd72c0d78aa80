// Compiles the setup step for its image: `node dist/main.js`, no tsx at run time (Dockerfile).
//
// The sources import each other without file extensions (moduleResolution "bundler", shared with
// tsx), which Node's ESM loader does not resolve, so esbuild (the compiler tsx runs on) bundles
// them into one ESM file. Their only other imports are Node built-ins and `import type`s of
// @zitadel/proto, which esbuild drops: the image needs no node_modules. Types are checked by
// `tsc --noEmit` first (`npm run build`): esbuild only strips them.
import { build } from 'esbuild';

const outdir = process.argv[2] ?? 'dist';

await build({
  entryPoints: ['src/main.ts'],
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The oldest Node the setup step supports (package.json engines).
  target: 'node20.19',
  sourcemap: true,
  logLevel: 'warning',
});
process.stdout.write(`zitadel-setup built into ${outdir}/main.js\n`);
