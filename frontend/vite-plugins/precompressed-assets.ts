import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import type { Connect, Plugin } from 'vite';

/** A hashed script or stylesheet directly under /assets/: nothing else is ever precompressed. */
const ASSET = /^\/assets\/([\w-]+(?:\.[\w-]+)*\.(js|css))$/;
const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * Serves `<asset>.gz` for a request that accepts gzip: the file the build compressed, not one
 * compressed again for every request. Anything else (another path, a query string, no gzip in
 * Accept-Encoding, no .gz beside the file) goes on to Vite's own static server.
 */
export function serveGzipped(outDir: string): Connect.NextHandleFunction {
  return (req, res, next) => {
    const match = req.method === 'GET' ? ASSET.exec(req.url ?? '') : null;
    const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const file = match ? join(outDir, 'assets', `${match[1]}.gz`) : '';
    if (!match || !accepts || !existsSync(file)) return next();
    res.statusCode = 200;
    res.setHeader('Content-Type', TYPES[match[2] ?? ''] ?? 'application/octet-stream');
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Content-Length', statSync(file).size);
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  };
}

/**
 * Compresses the build's scripts and stylesheets once, at build time, at the highest level:
 * a first-time visitor's /callback fetches ~400 KB of them at once, and compressing each on
 * every request costs the server CPU just when the token exchange needs it (decision 035).
 * nginx serves the same files with `gzip_static on` (nginx.conf); `vite preview` through
 * serveGzipped.
 */
export function precompressedAssets(): Plugin {
  let outDir = 'dist';
  return {
    name: 'precompressed-assets',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    writeBundle(_options, bundle) {
      for (const file of Object.keys(bundle)) {
        if (!ASSET.test(`/${file}`)) continue;
        const source = join(outDir, file);
        const bytes = readFileSync(source);
        const gzipped = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION });
        // A few-byte chunk only grows: it goes out as it is.
        if (gzipped.length < bytes.length) writeFileSync(`${source}.gz`, gzipped);
      }
    },
    configurePreviewServer(server) {
      server.middlewares.use(serveGzipped(outDir));
    },
  };
}
