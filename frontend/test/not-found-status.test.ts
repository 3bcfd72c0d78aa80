// @vitest-environment node
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { markNotFound } from '../vite-plugins/not-found-status';

/** Runs the middleware on one request target; returns the status a 200 answer goes out with. */
function statusFor(url: string | undefined, method = 'GET') {
  const writeHead = vi.fn();
  const res = { statusCode: 200, writeHead } as unknown as ServerResponse;
  const next = vi.fn();
  markNotFound({ url, method } as IncomingMessage, res, next);
  expect(next).toHaveBeenCalledOnce();
  res.writeHead(200);
  return writeHead.mock.calls[0]?.[0] as number;
}

describe('vite preview: unknown addresses answer 404 (as nginx.conf does)', () => {
  it('leaves the pages and files alone', () => {
    for (const url of [
      '/',
      '/index.html',
      '/callback',
      '/callback?code=a&state=b',
      '/config.json',
      '/assets/react-x.js',
      '/src/main.tsx',
      '/@vite/client',
    ]) {
      expect(statusFor(url), url).toBe(200);
    }
  });

  it('turns any other page address into 404', () => {
    for (const url of ['/no-such-page', '/account/settings', '/signup?x=1']) {
      expect(statusFor(url), url).toBe(404);
    }
    expect(statusFor('/no-such-page', 'HEAD')).toBe(404);
    expect(statusFor('/no-such-page', 'POST')).toBe(200);
  });

  it('never throws on a hostile request target', () => {
    // Tried: no target, malformed and absolute-form targets, bad escapes, 64 KB of junk.
    for (const url of [
      undefined,
      '',
      '//[',
      '*',
      'http://evil.example/x',
      '/%%%',
      `/${'\u0000'.repeat(10)}`,
      `/${'a/'.repeat(32_768)}`,
    ]) {
      expect(() => statusFor(url), String(url).slice(0, 20)).not.toThrow();
    }
  });
});
