import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { USER_SERVICE_PATH } from './call-backend';
import { bodies, LIMIT } from './fuzzed-bodies';

/** One generated request, with what the judge needs to know about it. */
export interface FuzzRequest {
  /** A short description: what fast-check prints as the counterexample. */
  label: string;
  path: string;
  method: 'POST' | 'GET' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';
  headers: Record<string, string>;
  body: Uint8Array;
  /** Carries a valid, whole token (RPC) or a valid signature (webhook): success is legitimate. */
  credentialed: boolean;
  /** Larger than the 64 KiB the backend accepts; the server may close the socket on it. */
  oversized: boolean;
  /** Sent over a raw socket declaring this many bytes, more than it sends, then half-closed. */
  declaredLength: number | undefined;
  /** Users this request may legitimately create (a valid token's sub, a signed event's id). */
  mayCreate: string[];
}

interface Credentials {
  header: string;
  /** A whole token the issuer signed for `sub`. */
  valid: boolean;
  sub?: string;
  kind: string;
}

export interface FuzzContext {
  /** Tokens the test issuer signed, with the subject each belongs to. */
  tokens: readonly { token: string; sub: string }[];
  signingKey: string;
}

// Any byte a header value may legally carry (HTAB, visible ASCII, obs-text): the client library
// refuses anything else before it reaches the wire, so generating it would test the client.
const headerValue = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
    .map((code) => String.fromCharCode(code)),
  maxLength: 120,
});

const headerName = fc.oneof(
  fc.constantFrom(
    'connect-protocol-version',
    'connect-timeout-ms',
    'content-encoding',
    'accept-encoding',
    'connect-accept-encoding',
    'origin',
    'x-forwarded-for',
    'x-grpc-web',
    'te',
    'accept',
    'cookie',
    'grpc-timeout',
  ),
  fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
);

const CONTENT_TYPES = [
  'application/json',
  'application/proto',
  'application/connect+json',
  'application/connect+proto',
  'application/grpc',
  'application/grpc-web+proto',
  'application/json; charset=utf-16',
  'application/json; charset=utf-8',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
];

type Target = 'GetOrCreate' | 'GetMe' | 'unknown method' | 'webhook' | 'random path';
const PATHS: Record<Exclude<Target, 'random path'>, string> = {
  GetOrCreate: `${USER_SERVICE_PATH}/GetOrCreate`,
  GetMe: `${USER_SERVICE_PATH}/GetMe`,
  'unknown method': `${USER_SERVICE_PATH}/DeleteEveryone`,
  webhook: '/webhooks/zitadel',
};

function hmac(key: string, timestamp: number, body: Uint8Array): string {
  return createHmac('sha256', key).update(`${timestamp}.`).update(body).digest('hex');
}

/** Every request the fuzzer sends: hostile in its path, method, headers and body at once. */
export function fuzzRequests(context: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const token = fc.constantFrom(...context.tokens);
  const authorization: fc.Arbitrary<Credentials> = fc.oneof<fc.Arbitrary<Credentials>[]>(
    headerValue.map((value) => ({ header: value, valid: false, kind: 'garbage' })),
    headerValue.map((value) => ({
      header: `Bearer ${value}`,
      valid: false,
      kind: 'Bearer garbage',
    })),
    token.map(({ token, sub }) => ({
      header: `Bearer ${token}`,
      valid: true,
      sub,
      kind: 'valid token',
    })),
    fc.tuple(token, fc.nat()).map(([{ token }, cut]) => ({
      header: `Bearer ${token.slice(0, cut % token.length)}`,
      valid: false,
      kind: 'truncated token',
    })),
    // A changed character inside the payload segment (never its last character, whose spare
    // bits may decode to the same bytes): the claims change, the signature no longer matches.
    fc.tuple(token, fc.nat(), fc.constantFrom('A', 'z', '0', '_')).map(([{ token }, at, char]) => {
      const [head = '', payload = '', signature = ''] = token.split('.');
      const index = at % Math.max(1, payload.length - 1);
      const swapped = payload[index] === char ? (char === 'A' ? 'B' : 'A') : char;
      const changed = `${payload.slice(0, index)}${swapped}${payload.slice(index + 1)}`;
      return {
        header: `Bearer ${head}.${changed}.${signature}`,
        valid: false,
        kind: 'altered token',
      };
    }),
    fc.constant({ header: `Bearer ${'A'.repeat(12 * 1024)}`, valid: false, kind: '12 KiB token' }),
  );
  const signature = fc.oneof(
    fc.constant({ mode: 'valid' as const }),
    fc.constant({ mode: 'stale' as const }),
    fc.constant({ mode: 'wrong key' as const }),
    headerValue.map((text) => ({ mode: 'garbage' as const, text })),
    fc
      .tuple(fc.oneof(fc.nat(), fc.integer()), fc.stringMatching(/^[0-9a-f]{0,70}$/))
      .map(([t, v1]) => ({ mode: 'garbage' as const, text: `t=${t},v1=${v1}` })),
  );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('matching') },
    { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: headerValue },
    { weight: 1, arbitrary: fc.constant('none') },
  );

  return fc
    .record({
      target: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom<Target>('GetOrCreate', 'GetMe') },
        { weight: 3, arbitrary: fc.constant<Target>('webhook') },
        { weight: 1, arbitrary: fc.constantFrom<Target>('unknown method', 'random path') },
      ),
      randomPath: fc.webPath(),
      method: fc.oneof(
        { weight: 12, arbitrary: fc.constant<FuzzRequest['method']>('POST') },
        {
          weight: 1,
          arbitrary: fc.constantFrom<FuzzRequest['method']>(
            'GET',
            'PUT',
            'DELETE',
            'PATCH',
            'OPTIONS',
          ),
        },
      ),
      contentType,
      authorization: fc.option(authorization, { freq: 4, nil: undefined }),
      signature: fc.option(signature, { freq: 4, nil: undefined }),
      extraHeaders: fc.array(fc.tuple(headerName, headerValue), { maxLength: 3 }),
      body: bodies,
      onWire: fc.oneof(
        { weight: 24, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 200_000 }) },
      ),
    })
    .map((parts): FuzzRequest => {
      const { target, body } = parts;
      const path = target === 'random path' ? parts.randomPath || '/' : PATHS[target];
      const headers: Record<string, string> = {};
      for (const [name, value] of parts.extraHeaders) headers[name] = value;
      Object.assign(headers, body.headers);
      if (parts.contentType === 'matching') {
        headers['content-type'] =
          body.format === 'proto' ? 'application/proto' : 'application/json';
      } else if (parts.contentType !== 'none') headers['content-type'] = parts.contentType;
      if (parts.authorization) headers.authorization = parts.authorization.header;
      const now = Math.floor(Date.now() / 1000);
      if (parts.signature) {
        const { mode } = parts.signature;
        headers['zitadel-signature'] =
          parts.signature.mode === 'garbage'
            ? parts.signature.text
            : mode === 'stale'
              ? `t=${now - 3600},v1=${hmac(context.signingKey, now - 3600, body.bytes)}`
              : mode === 'wrong key'
                ? `t=${now},v1=${hmac('not-the-key', now, body.bytes)}`
                : `t=${now},v1=${hmac(context.signingKey, now, body.bytes)}`;
      }
      const rpc = target === 'GetOrCreate' || target === 'GetMe';
      const validToken = rpc && parts.authorization?.valid === true;
      const validSignature = target === 'webhook' && parts.signature?.mode === 'valid';
      const mayCreate: string[] = [];
      if (validToken && parts.authorization?.sub) mayCreate.push(parts.authorization.sub);
      if (validSignature && body.mayCreate !== undefined) mayCreate.push(body.mayCreate);
      const onWire = parts.onWire !== undefined && parts.method === 'POST';
      return {
        label: [
          parts.method,
          path,
          body.kind,
          `${body.bytes.length} B`,
          headers['content-type']
            ? `content-type ${JSON.stringify(headers['content-type'])}`
            : 'no content-type',
          parts.authorization ? `auth: ${parts.authorization.kind}` : 'no auth',
          parts.signature ? `signature: ${parts.signature.mode}` : 'no signature',
          parts.extraHeaders.length > 0 ? `headers ${JSON.stringify(parts.extraHeaders)}` : '',
          onWire
            ? `truncated on the wire (declared ${body.bytes.length + (parts.onWire ?? 0)} B)`
            : '',
        ]
          .filter(Boolean)
          .join(', '),
        path,
        method: parts.method,
        headers,
        body: onWire ? body.bytes : parts.method === 'GET' ? new Uint8Array() : body.bytes,
        credentialed: (validToken || validSignature) && !onWire,
        oversized:
          body.bytes.length > LIMIT || (onWire && body.bytes.length + (parts.onWire ?? 0) > LIMIT),
        declaredLength: onWire ? body.bytes.length + (parts.onWire ?? 0) : undefined,
        mayCreate,
      };
    });
}
