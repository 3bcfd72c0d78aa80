/**
 * Event creation dates as whole microseconds since the epoch. ZITADEL stores them with microsecond
 * precision (Postgres timestamptz) and pages the Event API by them, so the sync does its date
 * arithmetic ("one microsecond before this instant") in microseconds. A double holds them exactly
 * until the year 2255.
 */
export type Micros = number;

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

let lastText = '';
let lastMicros = Number.NaN;

/**
 * Parses an RFC 3339 date (as protobuf's JSON mapping writes a Timestamp: 0, 3, 6 or 9 fractional
 * digits) to microseconds, or NaN. Digits past the microsecond are dropped, as Postgres would.
 */
export function parseMicros(text: string): Micros {
  // Events of one command share a date: the previous answer is often the right one.
  if (text === lastText) return lastMicros;
  const match = RFC3339.exec(text);
  const millis = match
    ? Date.parse(`${match[1]}${(match[3] as string).toUpperCase()}`)
    : Number.NaN;
  const micros = Number.isNaN(millis)
    ? Number.NaN
    : millis * 1000 + Number((match?.[2] ?? '').padEnd(6, '0').slice(0, 6));
  lastText = text;
  lastMicros = micros;
  return micros;
}

/** `2025-09-05T08:55:36.156333Z`: always six fractional digits, UTC. */
export function formatMicros(micros: Micros): string {
  const millis = Math.floor(micros / 1000);
  const iso = new Date(millis).toISOString(); // …T08:55:36.156Z
  return `${iso.slice(0, 23)}${String(micros - millis * 1000).padStart(3, '0')}Z`;
}
