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

// The introspection budget's edges (auth/introspection-budget.ts): a call refused because the
// issuer already has all it may handle spends nothing from the rate, and an idle budget saves up
// no more than one second's worth.
describe('introspection budget edges', () => {
  it('spends no rate on a call refused for want of a slot', async () => {
    const clock = { now: 0 };
    const releases: (() => void)[] = [];
    let exhausted = 0;
    const introspect = withIntrospectionBudget(
      // The first call waits on the issuer until released; the others are answered at once.
      (token) =>
        token === 'a'
          ? new Promise<IntrospectionResponse>((resolve) => releases.push(() => resolve(active)))
          : Promise.resolve(active),
      { maxPerSecond: 4, maxConcurrent: 1 },
      () => exhausted++,
      () => clock.now,
    );
    const first = introspect('a');
    for (let index = 0; index < 3; index++) {
      expect(await codeOf(introspect('b'))).toBe(Code.Unavailable);
    }
    expect(exhausted).toBe(3);
    releases[0]?.();
    expect(await codeOf(first)).toBe('ok');
    // One of four spent: three left in the same instant, one at a time.
    for (let index = 1; index <= 3; index++) expect(await codeOf(introspect('c'))).toBe('ok');
    expect(await codeOf(introspect('d'))).toBe(Code.Unavailable);
  });

  it('saves up at most one second’s worth while idle', async () => {
    const clock = { now: 0 };
    const introspect = withIntrospectionBudget(
      async () => active,
      { maxPerSecond: 5, maxConcurrent: 100 },
      () => {},
      () => clock.now,
    );
    clock.now = 60_000;
    const codes = [];
    for (let index = 0; index < 7; index++) codes.push(await codeOf(introspect('t')));
    expect(codes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', Code.Unavailable, Code.Unavailable]);
  });
});
