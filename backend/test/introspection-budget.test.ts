import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import type { IntrospectionResponse } from '../src/auth/introspect-access-token';
import { withIntrospectionBudget } from '../src/auth/introspection-budget';

const active: IntrospectionResponse = { active: true, sub: '1' };

async function codeOf(promise: Promise<unknown>): Promise<Code | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe('introspection budget', () => {
  it('spends at most maxPerSecond per second, answers unavailable past it, and refills within a second', async () => {
    const clock = { now: 0 };
    let exhausted = 0;
    let asked = 0;
    const introspect = withIntrospectionBudget(
      async () => {
        asked++;
        return active;
      },
      { maxPerSecond: 10, maxConcurrent: 100 },
      () => exhausted++,
      () => clock.now,
    );
    // Tried: 25 calls in the same instant.
    const codes = [];
    for (let index = 0; index < 25; index++) codes.push(await codeOf(introspect('t')));
    expect(codes.filter((code) => code === 'ok')).toHaveLength(10);
    expect(codes.filter((code) => code === Code.Unavailable)).toHaveLength(15);
    expect(asked).toBe(10);
    expect(exhausted).toBe(15);
    clock.now = 100;
    expect(await codeOf(introspect('t'))).toBe('ok');
    expect(await codeOf(introspect('t'))).toBe(Code.Unavailable);
    clock.now = 1100;
    for (let index = 0; index < 10; index++) expect(await codeOf(introspect('t'))).toBe('ok');
  });

  it('lets at most maxConcurrent requests wait on the issuer; the rest are unavailable at once', async () => {
    const releases: (() => void)[] = [];
    let exhausted = 0;
    const introspect = withIntrospectionBudget(
      () =>
        new Promise<IntrospectionResponse>((resolve) => {
          releases.push(() => resolve(active));
        }),
      { maxPerSecond: 1000, maxConcurrent: 3 },
      () => exhausted++,
    );
    const waiting = [introspect('a'), introspect('b'), introspect('c')];
    // Tried: a fourth while three hang.
    expect(await codeOf(introspect('d'))).toBe(Code.Unavailable);
    expect(exhausted).toBe(1);
    for (const release of releases) release();
    await Promise.all(waiting);
    // The slots are given back: the next call reaches the issuer.
    const next = introspect('e');
    expect(releases).toHaveLength(4);
    releases[3]?.();
    expect(await codeOf(next)).toBe('ok');
  });

  it('passes the issuer failures through unchanged', async () => {
    const introspect = withIntrospectionBudget(
      async () => {
        throw new ConnectError('misconfigured', Code.Internal);
      },
      { maxPerSecond: 10, maxConcurrent: 2 },
      () => {},
    );
    expect(await codeOf(introspect('t'))).toBe(Code.Internal);
  });
});
