import { describe, expect, it } from 'vitest';
import { longDate } from '../src/pages/account-summary';

describe('longDate', () => {
  it('writes what Intl.DateTimeFormat("en", { dateStyle: "long" }) writes, in local time', () => {
    const intl = new Intl.DateTimeFormat('en', { dateStyle: 'long' });
    // Every month, first and last days, a leap day, and instants near midnight UTC.
    const dates = [
      ...Array.from({ length: 12 }, (_, month) => new Date(2026, month, 1)),
      ...Array.from({ length: 12 }, (_, month) => new Date(2026, month + 1, 0, 23, 59, 59)),
      new Date(2024, 1, 29, 12),
      new Date(Date.UTC(2026, 11, 31, 23, 30)),
      new Date(Date.UTC(2027, 0, 1, 0, 30)),
      new Date(0),
    ];
    for (const date of dates) expect(longDate(date), date.toISOString()).toBe(intl.format(date));
  });
});
