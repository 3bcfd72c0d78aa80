import { describe, expect, it } from 'vitest';
import { createSampledRefusalLog } from '../src/auth/sampled-refusal-log';
import type { Logger } from '../src/logger';

function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
    lines.push({ level, fields, message });
  return { logger: { info: at('info'), warn: at('warn') } as unknown as Logger, lines };
}

describe('sampled refusal log', () => {
  it('writes the first N refusals of an interval, then says how many it suppressed', () => {
    const clock = { now: 0 };
    const { logger, lines } = recordingLogger();
    const log = createSampledRefusalLog(logger, {
      perInterval: 3,
      intervalMs: 1000,
      now: () => clock.now,
    });
    // Tried: a flood of 100 refusals within one interval.
    for (let index = 0; index < 100; index++) log('info', { index }, 'request refused');
    expect(lines.map((line) => line.fields.index)).toEqual([0, 1, 2]);

    clock.now = 1000;
    log('warn', { index: 100 }, 'request could not be authenticated');
    expect(lines[3]).toMatchObject({ level: 'warn', fields: { suppressed: 97 } });
    expect(lines[4]).toMatchObject({ level: 'warn', fields: { index: 100 } });
    expect(lines).toHaveLength(5);
  });

  it('says nothing about suppression when nothing was suppressed', () => {
    const clock = { now: 0 };
    const { logger, lines } = recordingLogger();
    const log = createSampledRefusalLog(logger, {
      perInterval: 3,
      intervalMs: 1000,
      now: () => clock.now,
    });
    log('info', {}, 'request refused');
    clock.now = 5000;
    log('info', {}, 'request refused');
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.fields.suppressed === undefined)).toBe(true);
  });
});
