// @vitest-environment node
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface ManifestChunk {
  file: string;
  imports?: string[];
  dynamicImports?: string[];
}

const root = resolve(import.meta.dirname, '..');
const outDir = mkdtempSync(join(tmpdir(), 'frontend-build-'));
let manifest: Record<string, ManifestChunk> = {};

/** Files a page's entry loads: its static imports, and with `dynamic` its dynamic ones too. */
function reached(entry: string, dynamic: boolean): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (!chunk || files.has(key)) return;
    files.set(key, chunk.file);
    for (const next of [...(chunk.imports ?? []), ...(dynamic ? (chunk.dynamicImports ?? []) : [])])
      visit(next);
  };
  visit(entry);
  return files;
}

beforeAll(async () => {
  await build({ root, logLevel: 'silent', build: { outDir, manifest: true, emptyOutDir: true } });
  manifest = JSON.parse(readFileSync(join(outDir, '.vite/manifest.json'), 'utf8'));
}, 120_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the production build', () => {
  it('links every script the callback will run in callback.html: none waits to be discovered', () => {
    const html = readFileSync(join(outDir, 'callback.html'), 'utf8');
    // When an entry chunk only imports others, Vite writes those into the HTML and the manifest
    // knows the entry by its module.
    const entry = manifest['callback.html'] ? 'callback.html' : 'src/callback-main.tsx';
    const files = [...reached(entry, true)]
      .filter(([key]) => key === 'callback.html' || key !== entry)
      .map(([, file]) => file);
    // oidc-client-ts, Connect, React and the view at least.
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) expect(html, `callback.html links ${file}`).toContain(`/${file}"`);
  });

  it('keeps the sign-in and API code off the landing page until someone needs it', () => {
    const initial = [...reached('index.html', false).keys()];
    expect(initial.some((key) => key.startsWith('_react-'))).toBe(true);
    expect(initial.filter((key) => /^_(sign-in|api)-/.test(key))).toEqual([]);
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    expect(html).not.toMatch(/(src|modulepreload" crossorigin href)="\/assets\/(sign-in|api)-/);
  });

  it("has the landing page prefetch the callback's scripts, for after the provider's form", () => {
    const landing = readFileSync(join(outDir, 'index.html'), 'utf8');
    const callback = readFileSync(join(outDir, 'callback.html'), 'utf8');
    const scripts = [...callback.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map(
      ([, path]) => path,
    );
    expect(scripts.length).toBeGreaterThanOrEqual(4);
    // Each is a script of the landing page itself or prefetched by it.
    for (const path of scripts) expect(landing, path).toContain(`"${path}"`);
    expect(landing).toContain('rel="prefetch" crossorigin href="/assets/sign-in-');
  });

  it('writes each script and stylesheet gzipped beside it, the same bytes once unpacked', () => {
    const callback = readFileSync(join(outDir, 'callback.html'), 'utf8');
    const linked = [...callback.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)];
    const large = linked
      .map(([, file]) => file as string)
      .filter((file) => readFileSync(join(outDir, file)).length > 1024);
    // oidc-client-ts, Connect, React at least.
    expect(large.length).toBeGreaterThanOrEqual(3);
    for (const file of large) {
      expect(existsSync(join(outDir, `${file}.gz`)), `${file}.gz`).toBe(true);
      expect(
        gunzipSync(readFileSync(join(outDir, `${file}.gz`))).equals(
          readFileSync(join(outDir, file)),
        ),
      ).toBe(true);
    }
    // Nothing but scripts and stylesheets: the pages and config.json are not immutable.
    for (const page of ['index.html', 'callback.html', 'config.json']) {
      expect(existsSync(join(outDir, `${page}.gz`)), page).toBe(false);
    }
  });

  it('has the pages fetch /config.json beside their scripts', () => {
    for (const page of ['index.html', 'callback.html']) {
      expect(readFileSync(join(outDir, page), 'utf8')).toContain(
        '<link rel="preload" href="/config.json" as="fetch" crossorigin="anonymous" />',
      );
    }
  });
});
