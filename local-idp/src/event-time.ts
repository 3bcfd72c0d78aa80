/**
 * ZITADEL stores event creation dates with microsecond precision (Postgres timestamptz) and writes
 * every event of one command, or one transaction, with the same date: the transaction's `now()`
 * (cmd/setup/40/02_func.sql, eventstore.commands_to_events). This clock hands out one instant per
 * command, strictly increasing from command to command, so events of different commands never share
 * a date here (in ZITADEL they rarely do) while events of one command always do.
 */
export interface MicrosecondClock {
  now(): bigint;
  /** The instant `micros`, or the next free one after the last instant handed out. */
  at(micros: bigint): bigint;
  /** Makes sure future timestamps come after ones loaded from disk (the wall clock may have moved back). */
  observe(micros: bigint): void;
}

export function createMicrosecondClock(): MicrosecondClock {
  let last = 0n;
  const at = (micros: bigint): bigint => {
    last = micros > last ? micros : last + 1n;
    return last;
  };
  return {
    now: () => at(BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000))),
    at,
    observe(micros) {
      if (micros > last) last = micros;
    },
  };
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

/** A protobuf Timestamp (seconds, nanos) as nanoseconds since the epoch. */
export function timestampToNanos(timestamp: { seconds: bigint; nanos: number }): bigint {
  return timestamp.seconds * 1_000_000_000n + BigInt(timestamp.nanos);
}
