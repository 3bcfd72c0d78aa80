import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BENCH_DIR, FRONTEND_DIR, VITE } from './bench-config';
import { progress } from './progress-log';

export interface BundleSize {
  /** JS files loaded before first render: the entry chunk and its static imports. */
  initialFiles: string[];
  initialRawBytes: number;
  initialGzipBytes: number;
  /** Lazy (dynamically imported) JS chunks, not counted above. */
  lazyFiles: number;
  lazyGzipBytes: number;
  buildSeconds: number;
}

export interface InitialJsResults {
  app: BundleSize;
  plainReact: BundleSize;
  ratio: number;
}

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

// Level 9, as a CDN or nginx `gzip_static` would serve a pre-compressed build.
const gzipBytes = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;

function build(cwd: string, outDir: string, args: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      VITE,
      ['build', ...args, '--outDir', outDir, '--emptyOutDir', '--manifest', '--logLevel', 'warn'],
      { cwd, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build in ${cwd} exited ${code}:\n${output}`)),
    );
  });
}

/**
 * Sizes from Vite's manifest: the HTML entry's chunk plus everything it imports statically, which
 * the browser must fetch before the app can render. Dynamic imports load later, on demand.
 */
function sizeFromManifest(outDir: string, buildSeconds: number): BundleSize {
  const manifest = JSON.parse(
    readFileSync(join(outDir, '.vite', 'manifest.json'), 'utf8'),
  ) as Record<string, ManifestChunk>;
  // The landing page's entry: frontend/ also builds callback.html, which a visitor loads later.
  const entries = Object.entries(manifest).filter(
    ([key, chunk]) => chunk.isEntry && key === 'index.html',
  );
  if (entries.length !== 1)
    throw new Error(`expected one entry in ${outDir}, found ${entries.length}`);
  const initial = new Set<string>();
  const visit = (key: string) => {
    if (initial.has(key)) return;
    initial.add(key);
    for (const imported of manifest[key]?.imports ?? []) visit(imported);
  };
  visit((entries[0] as [string, ManifestChunk])[0]);
  const initialFiles = [...initial]
    .map((key) => manifest[key]?.file)
    .filter((file): file is string => file?.endsWith('.js') === true);
  const lazy = Object.values(manifest)
    .map((chunk) => chunk.file)
    .filter((file) => file.endsWith('.js') && !initialFiles.includes(file));
  return {
    initialFiles,
    initialRawBytes: initialFiles.reduce(
      (sum, file) => sum + readFileSync(join(outDir, file)).length,
      0,
    ),
    initialGzipBytes: initialFiles.reduce((sum, file) => sum + gzipBytes(join(outDir, file)), 0),
    lazyFiles: lazy.length,
    lazyGzipBytes: lazy.reduce((sum, file) => sum + gzipBytes(join(outDir, file)), 0),
    buildSeconds,
  };
}

// The smallest app `npm create vite -- --template react-ts` would become: React rendering one
// heading, built by the same Vite and React plugin the frontend uses.
const PLAIN_APP: Record<string, string> = {
  'index.html': `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>plain</title>
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="/src/main.tsx"></script>
  </body>
</html>
`,
  'src/main.tsx': `import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <h1>Hello</h1>
  </StrictMode>,
);
`,
  'vite.config.mjs': `import react from '@vitejs/plugin-react';

export default { plugins: [react()] };
`,
};

/** Item 1, second figure: the frontend's initial JS against a plain Vite React app. */
export async function measureInitialJs(): Promise<InitialJsResults> {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-vite-'));
  // Inside bench/ so `react` and `@vitejs/plugin-react` resolve from the repository's node_modules.
  const plainDir = mkdtempSync(join(BENCH_DIR, '.plain-vite-react-'));
  try {
    progress('frontend: vite build of frontend/');
    let started = performance.now();
    await build(FRONTEND_DIR, join(outDir, 'app'));
    const app = sizeFromManifest(join(outDir, 'app'), (performance.now() - started) / 1000);

    progress('frontend: vite build of a plain Vite React app');
    for (const [file, text] of Object.entries(PLAIN_APP)) {
      mkdirSync(join(plainDir, file, '..'), { recursive: true });
      writeFileSync(join(plainDir, file), text);
    }
    started = performance.now();
    await build(plainDir, join(outDir, 'plain'));
    const plainReact = sizeFromManifest(
      join(outDir, 'plain'),
      (performance.now() - started) / 1000,
    );
    const ratio = app.initialGzipBytes / plainReact.initialGzipBytes;
    progress(
      `  initial JS gzip: app ${app.initialGzipBytes} B (${app.initialFiles.length} files), plain React ${plainReact.initialGzipBytes} B → ${ratio.toFixed(2)}×`,
    );
    return { app, plainReact, ratio };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(plainDir, { recursive: true, force: true });
  }
}
