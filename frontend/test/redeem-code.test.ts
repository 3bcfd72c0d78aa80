import { waitUntil } from '@liverty-music/test-support/wait-until';
import { describe, expect, it, vi } from 'vitest';
import { SigninError } from '../src/auth/signin-error';
import { beginCallback } from '../src/callback/begin-callback';
import { redeemCode } from '../src/callback/redeem-code';
import { fakeAuth, minnie, userClientWith } from './fixtures';

describe('redeeming the code on /callback', () => {
  it('sends GetOrCreate before it rewrites the address, and rewrites it once', async () => {
    const events: string[] = [];
    const cleanUrl = vi.fn(() => events.push('address cleaned'));
    const getOrCreate = vi.fn(async () => {
      events.push('GetOrCreate');
      return { user: minnie, created: true };
    });
    const signin = redeemCode(fakeAuth(), cleanUrl);
    const started = beginCallback(signin, userClientWith(getOrCreate), [0]);
    expect((await started.account).created).toBe(true);
    await waitUntil('the address to be cleaned', () => cleanUrl.mock.calls.length > 0, {
      timeoutMs: 5_000,
      intervalMs: 1,
    });
    expect(events).toEqual(['GetOrCreate', 'address cleaned']);
  });

  it('rewrites the address when the provider refused the code too', async () => {
    const cleanUrl = vi.fn();
    const refused = new SigninError(
      'You did not finish signing in, so nothing changed.',
      'cancelled',
    );
    const signin = redeemCode(
      fakeAuth({ completeSignin: vi.fn(async () => Promise.reject(refused)) }),
      cleanUrl,
    );
    await expect(signin).rejects.toBe(refused);
    await waitUntil('the address to be cleaned', () => cleanUrl.mock.calls.length > 0, {
      timeoutMs: 5_000,
      intervalMs: 1,
    });
    expect(cleanUrl).toHaveBeenCalledOnce();
  });
});
