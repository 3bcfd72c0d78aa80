import { Writable } from 'node:stream';
import { Code, ConnectError } from '@connectrpc/connect';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerDiscovery } from '../src/auth/discover-issuer';
import { createIssuerKeySet } from '../src/auth/issuer-key-set';
import { startTestIssuer, type TestIssuer } from './support/test-issuer';

// The key set cache on its own, against a real JWKS over HTTP, with a fake clock: how often it
// asks the issuer, and how loudly it says it is serving stale keys.
describe('issuer key set', () => {
  let issuer: TestIssuer;

  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(() => issuer?.close());

  function setUp(options: { maxStaleMs?: number } = {}) {
    let clock = 1_000_000;
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const keySet = createIssuerKeySet({
      discover: createIssuerDiscovery({ issuer: issuer.issuer }),
      logger,
      refreshAfterMs: 10 * 60_000,
      cooldownMs: 30_000,
      maxStaleMs: options.maxStaleMs ?? 60 * 60_000,
      now: () => clock,
    });
    return {
      keySet,
      lines,
      advance: (ms: number) => {
        clock += ms;
      },
    };
  }

  it('refetches for unknown kids at most once per cooldown (a flood of forged kids)', async () => {
    issuer.setStatus('jwks', 200);
    const { keySet, advance } = setUp();
    await keySet.forKid('key-1');
    const before = issuer.counts.jwks;
    // Right after a fetch, an unknown kid is not worth another one.
    for (let i = 0; i < 50; i++) await keySet.forKid(`forged-${i}`);
    expect(issuer.counts.jwks - before).toBe(0);
    advance(30_000);
    for (let i = 0; i < 50; i++) await keySet.forKid(`forged-later-${i}`);
    expect(issuer.counts.jwks - before).toBe(1);
    advance(30_000);
    for (let i = 0; i < 50; i++) await keySet.forKid(`forged-again-${i}`);
    expect(issuer.counts.jwks - before).toBe(2);
  });

  it('serves the last key set through an outage with one warning per failed attempt, then stops', async () => {
    issuer.setStatus('jwks', 200);
    const { keySet, lines, advance } = setUp({ maxStaleMs: 60 * 60_000 });
    await keySet.forKid('key-1');
    issuer.setStatus('jwks', 503);
    try {
      advance(11 * 60_000);
      const before = issuer.counts.jwks;
      for (let i = 0; i < 20; i++) {
        const keys = await keySet.forKid('key-1');
        expect(keys.keys.map((key) => key.kid)).toContain('key-1');
      }
      // One failed refetch, then the cooldown: twenty calls, one request, one warning.
      expect(issuer.counts.jwks - before).toBe(1);
      expect(lines.filter((line) => line.includes('verifying with the last key set'))).toHaveLength(
        1,
      );

      advance(50 * 60_000); // 61 minutes after the last good fetch
      const error = await keySet.forKid('key-1').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.Unavailable);
      expect(lines.at(-1)).toMatch(/no usable key set is cached/);

      issuer.setStatus('jwks', 200);
      advance(30_000);
      expect((await keySet.forKid('key-1')).keys.length).toBeGreaterThan(0);
    } finally {
      issuer.setStatus('jwks', 200);
    }
  });
});
