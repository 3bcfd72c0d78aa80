// @vitest-environment node
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveGzipped } from '../vite-plugins/precompressed-assets';

const SCRIPT = 'export const a = 1;'.repeat(100);
const outDir = mkdtempSync(join(tmpdir(), 'precompressed-'));
let server: Server;
let port = 0;

beforeAll(async () => {
  mkdirSync(join(outDir, 'assets', 'nested'), { recursive: true });
  writeFileSync(join(outDir, 'assets', 'app-Ab12.js'), SCRIPT);
  writeFileSync(join(outDir, 'assets', 'app-Ab12.js.gz'), gzipSync(SCRIPT));
  writeFileSync(join(outDir, 'assets', 'nested', 'deep.js.gz'), gzipSync('nested'));
  writeFileSync(join(outDir, 'assets', 'plain-Cd34.js'), SCRIPT);
  // Outside /assets/: a request must never reach these.
  writeFileSync(join(outDir, 'secret.js.gz'), gzipSync('secret'));
  writeFileSync(join(outDir, 'config.json.gz'), gzipSync('{}'));
  const gzipped = serveGzipped(outDir);
  server = createServer((req, res) =>
    gzipped(req, res, () => {
      res.statusCode = 404;
      res.end('passed on');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(outDir, { recursive: true, force: true });
});

/** Sends the path byte for byte (no URL normalisation), as a hostile client would. */
function get(
  path: string,
  headers: Record<string, string> = { 'accept-encoding': 'gzip' },
  method = 'GET',
) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('vite preview: scripts go out as the build compressed them', () => {
  it('answers a hashed script with its .gz file, marked gzip', async () => {
    const answer = await get('/assets/app-Ab12.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(answer.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(answer.headers.vary).toBe('Accept-Encoding');
    expect(Number(answer.headers['content-length'])).toBe(answer.body.length);
    expect(gunzipSync(answer.body).toString()).toBe(SCRIPT);
  });

  it('passes on a client that does not take gzip, and a file the build did not compress', async () => {
    for (const headers of [
      {},
      { 'accept-encoding': 'br' },
      { 'accept-encoding': 'identity' },
    ] as Record<string, string>[]) {
      expect((await get('/assets/app-Ab12.js', headers)).body.toString()).toBe('passed on');
    }
    expect((await get('/assets/plain-Cd34.js')).body.toString()).toBe('passed on');
    expect((await get('/assets/missing-Ef56.js')).body.toString()).toBe('passed on');
  });

  it('passes on everything but GET of a file directly under /assets/', async () => {
    for (const path of [
      // Out of /assets/, raw and percent-encoded.
      '/assets/../secret.js',
      '/assets/%2e%2e/secret.js',
      '/assets/..%2fsecret.js',
      '/assets/..%5csecret.js',
      '/assets/..\\secret.js',
      '/secret.js',
      '/config.json',
      // Deeper, with a query, a fragment-like tail, a NUL, a doubled slash, a long name.
      '/assets/nested/deep.js',
      '/assets//app-Ab12.js',
      '/assets/app-Ab12.js?v=1',
      '/assets/app-Ab12.js%00.js',
      '/assets/app-Ab12.js.gz',
      `/assets/${'a'.repeat(5000)}.js`,
    ]) {
      const answer = await get(path);
      expect(answer.body.toString(), path).toBe('passed on');
    }
    for (const method of ['HEAD', 'POST', 'PUT']) {
      expect((await get('/assets/app-Ab12.js', undefined, method)).status, method).toBe(404);
    }
  });
});
