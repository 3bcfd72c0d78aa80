/**
 * ZITADEL stores event creation dates with microsecond precision (Postgres timestamptz) and clients
 * page through the Event API by creation date, so we keep microseconds too and make every event's
 * timestamp strictly increasing: two events never share a creation date, which keeps `from` paging
 * free of ties.
 */
export class MicrosecondClock {
  #last = 0n;

  now(): bigint {
    const wall = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
    this.#last = wall > this.#last ? wall : this.#last + 1n;
    return this.#last;
  }

  /** Makes sure future timestamps come after ones loaded from disk (the wall clock may have moved back). */
  observe(micros: bigint): void {
    if (micros > this.#last) this.#last = micros;
  }
}

/** `2025-09-05T08:55:36.156333Z`: RFC 3339, UTC, always six fractional digits. */
export function formatRfc3339Micros(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  const fraction = (micros % 1_000_000n).toString().padStart(6, '0');
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${fraction}Z`;
}

const RFC3339 =
  /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp (as protobuf's JSON mapping accepts it) to nanoseconds since the epoch. */
export function parseRfc3339ToNanos(text: string): bigint | undefined {
  const match = RFC3339.exec(text.trim());
  if (!match) return undefined;
  const [, date, time, fraction = '', zone = 'Z'] = match;
  const millis = Date.parse(`${date}T${time}${zone.toUpperCase()}`);
  if (Number.isNaN(millis)) return undefined;
  return BigInt(millis) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}
