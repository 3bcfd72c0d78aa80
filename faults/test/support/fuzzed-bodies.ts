import { gzipSync } from 'node:zlib';
import { HANDLED_EVENT_TYPES } from '@liverty-music/backend';
import fc from 'fast-check';

// What the fuzzer puts in a request body: random JSON and protobuf, bytes, truncated and
// oversized bodies, a gzip bomb, and Actions v2 events with hostile values in every field.

/** The request body size the backend accepts. */
export const LIMIT = 64 * 1024;
const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

export interface Body {
  kind: string;
  bytes: Uint8Array;
  format: 'json' | 'proto' | 'other';
  mayCreate?: string;
  headers?: Record<string, string>;
}

function varint(value: bigint): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest > 0n ? byte | 0x80 : byte);
  } while (rest > 0n);
  return out;
}

// Protobuf wire format with any tag, any wire type (including the deprecated groups and the
// invalid 6 and 7), and length prefixes that may lie.
const protoField = fc
  .record({
    field: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 2 ** 29 - 1 })),
    wire: fc.integer({ min: 0, max: 7 }),
    value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    payload: fc.uint8Array({ maxLength: 64 }),
    lie: fc.integer({ min: -8, max: 8 }),
  })
  .map(({ field, wire, value, payload, lie }) => {
    const key = varint(BigInt(field) * 8n + BigInt(wire));
    switch (wire) {
      case 0:
        return [...key, ...varint(value)];
      case 1:
        return [...key, ...payload.slice(0, 8)];
      case 2:
        return [...key, ...varint(BigInt(Math.max(0, payload.length + lie))), ...payload];
      case 5:
        return [...key, ...payload.slice(0, 4)];
      default:
        return key;
    }
  });

const VALID_BODIES: Body[] = [
  { kind: 'valid json', bytes: bytes('{"isRegistration":true}'), format: 'json' },
  { kind: 'empty json', bytes: bytes('{}'), format: 'json' },
  { kind: 'valid proto', bytes: Uint8Array.of(0x08, 0x01), format: 'proto' },
];

// A few KiB of gzip that inflate to 16 MiB: the size limit must apply after decompression.
const GZIP_BOMB = new Uint8Array(gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20)));

/** Text that breaks naive storage: NUL, lone surrogates, SQL, paths, long multibyte runs. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfff',
    '../../etc/passwd',
    "'; drop table users; --",
    'ü'.repeat(200),
  ),
);

/** A structured Actions v2 event with hostile values in every field. */
const fuzzedEvent = fc
  .record(
    {
      aggregateID: fc.oneof(fc.stringMatching(/^[0-9]{18}$/), hostileText),
      aggregateType: fc.oneof(fc.constant('user'), fc.string({ maxLength: 12 })),
      resourceOwner: fc.oneof(fc.stringMatching(/^[0-9]{18}$/), hostileText),
      sequence: fc.oneof(
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom(0, -1, 1.5, Number.MAX_SAFE_INTEGER, 2 ** 53, 2 ** 63, 1e300),
        fc.double(),
        fc.string({ maxLength: 8 }),
      ),
      event_type: fc.oneof(fc.constantFrom(...HANDLED_EVENT_TYPES), fc.string({ maxLength: 30 })),
      created_at: fc.oneof(
        fc
          .date({
            min: new Date('1970-01-01T00:00:00Z'),
            max: new Date('2200-01-01T00:00:00Z'),
            noInvalidDate: true,
          })
          .map((date) => date.toISOString()),
        fc.constantFrom(
          '0000-01-01T00:00:00Z',
          '1900-01-01T00:00:00Z',
          '9999-12-31T23:59:59.999999Z',
          '2024-02-29T00:00:00+14:00',
          '2024-01-01T00:00:00.123456789Z',
          'not a date',
        ),
        fc.string({ maxLength: 30 }),
      ),
      userID: fc.string({ maxLength: 20 }),
      event_payload: fc.oneof(
        fc.dictionary(
          fc.constantFrom('email', 'firstName', 'lastName', 'displayName', 'isEmailVerified'),
          fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileText),
        ),
        fc.dictionary(hostileText, hostileText, { maxKeys: 3 }),
        fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 })),
        fc.base64String({ maxLength: 80 }),
        fc.string({ maxLength: 40 }),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    },
    { requiredKeys: [] },
  )
  .map(
    (event): Body => ({
      kind: 'hostile event',
      bytes: bytes(JSON.stringify(event)),
      format: 'json',
      mayCreate: typeof event.aggregateID === 'string' ? event.aggregateID : undefined,
    }),
  );

export const bodies: fc.Arbitrary<Body> = fc.oneof(
  { weight: 3, arbitrary: fc.json({ maxDepth: 4 }).map((text) => jsonBody('random json', text)) },
  {
    weight: 2,
    arbitrary: fc
      .jsonValue({ maxDepth: 3 })
      .map((value) =>
        jsonBody('isRegistration of any type', JSON.stringify({ isRegistration: value })),
      ),
  },
  { weight: 2, arbitrary: fc.constantFrom(...VALID_BODIES) },
  {
    weight: 3,
    arbitrary: fc.array(protoField, { maxLength: 6 }).map(
      (fields): Body => ({
        kind: 'random protobuf',
        bytes: Uint8Array.from(fields.flat()),
        format: 'proto',
      }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .uint8Array({ maxLength: 2048 })
      .map((random): Body => ({ kind: 'random bytes', bytes: random, format: 'other' })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...VALID_BODIES), fc.nat()).map(
      ([body, cut]): Body => ({
        ...body,
        kind: `truncated ${body.kind}`,
        bytes: body.bytes.slice(0, cut % Math.max(1, body.bytes.length)),
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: LIMIT + 1, max: 4 * LIMIT }).map((size): Body => {
      const text = `{"isRegistration":true,"pad":"${'x'.repeat(size)}"}`;
      return { kind: `oversized json (${text.length} B)`, bytes: bytes(text), format: 'json' };
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constant<Body>({
      kind: 'exactly at the limit',
      bytes: new Uint8Array(LIMIT).fill(0x20),
      format: 'json',
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constant<Body>({
      kind: 'gzip bomb',
      bytes: GZIP_BOMB,
      format: 'json',
      headers: { 'content-encoding': 'gzip' },
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constant<Body>({ kind: 'empty', bytes: new Uint8Array(), format: 'other' }),
  },
  { weight: 4, arbitrary: fuzzedEvent },
);

function jsonBody(kind: string, text: string): Body {
  return { kind, bytes: bytes(text), format: 'json' };
}
