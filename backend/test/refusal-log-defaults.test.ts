import { describe, expect, it } from 'vitest';
import { createSampledRefusalLog } from '../src/auth/sampled-refusal-log';
import { recordingLogger } from './support/authenticator-under-test';

// The refusal log's ration as the server runs it (auth/sampled-refusal-log.ts defaults): 20 lines
// per 10 s, and the line that opens the next interval says how many were dropped over how long.
describe('refusal log ration by default', () => {
  it('writes 20 refusals per 10 s, then reports the dropped ones with the interval’s length', () => {
    const clock = { now: 1_000 };
    const { logger, lines } = recordingLogger();
    const log = createSampledRefusalLog(logger, { now: () => clock.now });
    for (let index = 0; index < 25; index++) log('info', { index }, 'request refused');
    expect(lines.map((line) => line.index)).toEqual([...Array(20).keys()]);

    clock.now = 10_999;
    log('info', { index: 25 }, 'request refused');
    expect(lines).toHaveLength(20);

    clock.now = 13_345;
    log('info', { index: 26 }, 'request refused');
    expect(lines.slice(20)).toMatchObject([
      { level: 40, suppressed: 6, intervalMs: 12_345 },
      { level: 30, index: 26, msg: 'request refused' },
    ]);
  });
});
