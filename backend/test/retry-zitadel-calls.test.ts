import { describe, expect, it } from 'vitest';
import { withRetries } from '../src/zitadel-api/retry-zitadel-calls';
import { ZitadelApiError } from '../src/zitadel-api/zitadel-client';

const busy = () => new ZitadelApiError('/v2/users answered HTTP 503: busy', 'http', true, 503);
const refused = () => new ZitadelApiError('/v2/users answered HTTP 401: no', 'http', false, 401);

/** A call that fails with each of `failures` in turn, then answers `ok`. */
function scripted(failures: Error[]) {
  const calls = { count: 0 };
  const call = async () => {
    const failure = failures[calls.count++];
    if (failure) throw failure;
    return 'ok';
  };
  return { call, calls };
}

const quick = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };

describe('withRetries (calls to ZITADEL)', () => {
  it('tries a retryable failure again, telling onRetry which try failed', async () => {
    const { call, calls } = scripted([busy(), busy()]);
    const retried: number[] = [];
    const answer = await withRetries(call, quick, {
      onRetry: (_error, attempt) => retried.push(attempt),
    });
    expect(answer).toBe('ok');
    expect(calls.count).toBe(3);
    expect(retried).toEqual([1, 2]);
  });

  it('throws the last failure after `attempts` tries, saying how many', async () => {
    const { call, calls } = scripted(Array.from({ length: 10 }, busy));
    await expect(withRetries(call, quick)).rejects.toThrow(
      /HTTP 503: busy \(gave up after 4 tries\)/,
    );
    expect(calls.count).toBe(4);
  });

  it('does not try a refused request again, nor an error that is not ZITADEL’s', async () => {
    const refusal = scripted([refused()]);
    await expect(withRetries(refusal.call, quick)).rejects.toThrow(/HTTP 401: no$/);
    expect(refusal.calls.count).toBe(1);
    const bug = scripted([new TypeError('not a ZITADEL failure')]);
    await expect(withRetries(bug.call, quick)).rejects.toThrow(TypeError);
    expect(bug.calls.count).toBe(1);
  });

  it('stops waiting when its signal aborts, with the signal’s reason', async () => {
    const abort = new AbortController();
    const { call, calls } = scripted([busy()]);
    // A wait of a minute: only the abort can end this call before the test's own limit.
    const waiting = withRetries(
      call,
      { attempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      { signal: abort.signal, onRetry: () => abort.abort(new Error('stopping')) },
    );
    await expect(waiting).rejects.toThrow('stopping');
    expect(calls.count).toBe(1);
  });
});
