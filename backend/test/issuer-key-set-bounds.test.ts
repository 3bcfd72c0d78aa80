import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerDiscovery } from '../src/auth/discover-issuer';
import { createIssuerKeySet } from '../src/auth/issuer-key-set';
import { recordingLogger } from './support/authenticator-under-test';
import { startScriptedIssuer } from './support/scripted-issuer';
import { startTestIssuer, type TestIssuer } from './support/test-issuer';

const MINUTE = 60_000;

// The key set's bounds at their defaults and edges (auth/issuer-key-set.ts), against a real JWKS
// over HTTP with a fake clock: refreshed after 10 minutes, an unknown kid refetched at most every
// 30 s, the last keys served through an outage for at most an hour.
describe('issuer key set bounds', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(() => issuer?.close());
  afterEach(() => issuer.setStatus('jwks', 200));

  function setUp() {
    const clock = { now: 1_000_000 };
    const { logger, lines } = recordingLogger();
    const keySet = createIssuerKeySet({
      discover: createIssuerDiscovery({ issuer: issuer.issuer }),
      logger,
      now: () => clock.now,
    });
    const started = issuer.counts.jwks;
    return { keySet, clock, lines, fetches: () => issuer.counts.jwks - started };
  }

  async function failure(work: Promise<unknown>): Promise<ConnectError> {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unavailable);
    return error as ConnectError;
  }

  it('refetches a key set 10 minutes old, not before', async () => {
    const { keySet, clock, fetches } = setUp();
    await keySet.forKid('key-1');
    clock.now += 10 * MINUTE - 1;
    await keySet.forKid('key-1');
    expect(fetches()).toBe(1);
    clock.now += 1;
    await keySet.forKid('key-1');
    expect(fetches()).toBe(2);
  });

  it('refetches for an unknown kid 30 s after the last fetch, not before; a token without kid or a known kid costs none', async () => {
    const { keySet, clock, fetches } = setUp();
    await keySet.forKid('key-1');
    clock.now += 30_000 - 1;
    await keySet.forKid('unknown');
    expect(fetches()).toBe(1);
    clock.now += 1;
    await keySet.forKid(undefined);
    await keySet.forKid('key-1');
    expect(fetches()).toBe(1);
    await keySet.forKid('unknown');
    expect(fetches()).toBe(2);
  });

  it('knows a kid among several keys', async () => {
    const { keySet, clock, fetches } = setUp();
    await issuer.publishOtherKey('key-2');
    expect((await keySet.forKid('key-1')).keys.map((key) => key.kid)).toEqual(['key-1', 'key-2']);
    clock.now += 30_000;
    await keySet.forKid('key-2');
    await keySet.forKid('key-1');
    expect(fetches()).toBe(1);
  });

  it('serves the last keys through an outage for an hour after they were fetched, then refuses', async () => {
    const { keySet, clock, lines } = setUp();
    const fetchedAt = clock.now;
    await keySet.forKid('key-1');
    issuer.setStatus('jwks', 503);
    clock.now = fetchedAt + 11 * MINUTE;
    await keySet.forKid('key-1');
    expect(lines.at(-1)).toMatchObject({ level: 40, ageSeconds: 660, maxStaleSeconds: 3600 });
    clock.now = fetchedAt + 60 * MINUTE;
    expect((await keySet.forKid('key-1')).keys.length).toBeGreaterThan(0);
    // Too old now; within the cooldown the issuer is not asked again, and nothing more is logged.
    const warned = lines.length;
    clock.now += 1;
    expect((await failure(keySet.forKid('key-1'))).rawMessage).toBe(
      'identity provider unavailable: key set refetch is cooling down',
    );
    expect(lines).toHaveLength(warned);
    clock.now += 30_000;
    expect((await failure(keySet.forKid('key-1'))).rawMessage).toBe(
      'identity provider unavailable: key set answered HTTP 503',
    );
    expect(lines.slice(warned)).toMatchObject([{ level: 40, ageSeconds: 3630 }]);
    expect(lines.at(-1)?.msg).toMatch(/no usable key set is cached/);
  });

  it('says once that the issuer is reachable again, and only after it was not', async () => {
    const { keySet, clock, lines } = setUp();
    await keySet.forKid('key-1');
    clock.now += 10 * MINUTE;
    await keySet.forKid('key-1');
    expect(lines.filter((line) => line.msg === 'issuer key set reachable again')).toHaveLength(0);
    issuer.setStatus('jwks', 503);
    clock.now += 10 * MINUTE;
    await keySet.forKid('key-1');
    issuer.setStatus('jwks', 200);
    clock.now += 30_000;
    await keySet.forKid('key-1');
    clock.now += 10 * MINUTE;
    await keySet.forKid('key-1');
    expect(lines.filter((line) => line.msg === 'issuer key set reachable again')).toHaveLength(1);
  });

  it('lets callers who arrive during a refetch wait for it and get the new keys', async () => {
    const { keySet, clock, fetches } = setUp();
    await keySet.forKid('key-1');
    await issuer.publishOtherKey('key-3');
    clock.now += 10 * MINUTE;
    const answers = await Promise.all([keySet.forKid('key-1'), keySet.forKid('key-1')]);
    for (const keys of answers) expect(keys.keys.map((key) => key.kid)).toContain('key-3');
    expect(fetches()).toBe(2);
  });

  it('needs no logger through an outage and back', async () => {
    const clock = { now: 1_000_000 };
    const keySet = createIssuerKeySet({
      discover: createIssuerDiscovery({ issuer: issuer.issuer }),
      now: () => clock.now,
    });
    await keySet.forKid('key-1');
    issuer.setStatus('jwks', 503);
    clock.now += 10 * MINUTE;
    expect((await keySet.forKid('key-1')).keys.length).toBeGreaterThan(0);
    await issuer.publishOtherKey('key-4');
    issuer.setStatus('jwks', 200);
    clock.now += 30_000;
    expect((await keySet.forKid('key-1')).keys.map((key) => key.kid)).toContain('key-4');
  });

  it('names what failed when there is no key set yet', async () => {
    const scripted = await startScriptedIssuer();
    try {
      const { logger, lines } = recordingLogger();
      const keySet = (jwks_uri?: string) =>
        createIssuerKeySet({
          discover: async () => scripted.document(jwks_uri ? { jwks_uri } : {}),
          logger,
        });
      for (const body of [{ keys: 'none' }, 'not json']) {
        scripted.answer('/keys', { body });
        expect((await failure(keySet().forKid('k'))).rawMessage).toBe(
          'identity provider unavailable: key set is malformed',
        );
      }
      expect(lines.at(-1)).toMatchObject({ level: 40, ageSeconds: null });
      scripted.answer('/keys', { status: 500, body: { error: 'down' } });
      expect((await failure(keySet().forKid('k'))).rawMessage).toBe(
        'identity provider unavailable: key set answered HTTP 500',
      );
      expect((await failure(keySet('http://127.0.0.1:1/keys').forKid('k'))).rawMessage).toBe(
        'identity provider unavailable: key set request failed',
      );
      // An issuer that never answers is given up on after the timeout.
      scripted.answer('/keys', 'hang');
      const silent = createIssuerKeySet({
        discover: async () => scripted.document(),
        timeoutMs: 200,
      });
      expect((await failure(silent.forKid('k'))).rawMessage).toBe(
        'identity provider unavailable: key set request failed',
      );
    } finally {
      await scripted.close();
    }
  });
});
