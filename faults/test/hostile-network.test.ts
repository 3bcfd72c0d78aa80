import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect as connectHttp2, constants as http2Constants } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import {
  INTROSPECTION_CLIENT,
  startTestIssuer,
  type TestIssuer,
} from '@liverty-music/backend/testing';
import { freePort } from '@liverty-music/test-support/free-port';
import { waitUntil } from '@liverty-music/test-support/wait-until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBackend, startBackend } from './support/backend-process';
import { callUserService, createDispatcher, USER_SERVICE_PATH } from './support/call-backend';
import { createTally } from './support/fault-tally';
import {
  describeOutcome,
  FLAG,
  FRAME,
  frame,
  h2Request,
  headerBlock,
  openH2c,
  openRawH2c,
  type RawConnection,
} from './support/h2c-client';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';

// The API port under attack at the protocol level (issue 21, docs/decisions/028 and 031): bad
// authorities and pseudo-headers, thousands of calls abandoned mid-body, trickling streams,
// oversized frames and header blocks, and a burst of junk bearer tokens. After each: the process
// is alive, its connection count (liverty_http_open_connections, read from the metrics
// listener) is back to the baseline, and a real user is served over HTTP/1.1 and h2c.
const tally = createTally('hostile network');
const HEADERS_TIMEOUT_MS = 1500;
const REQUEST_TIMEOUT_MS = 3000;
const KEEP_ALIVE_TIMEOUT_MS = 1000;
const INTROSPECTION_PER_SECOND = 20;
const GET_ME = `${USER_SERVICE_PATH}/GetMe`;
const GET_OR_CREATE = `${USER_SERVICE_PATH}/GetOrCreate`;
const profile = { sub: '336494809936035999', email: 'hostile@example.com', name: 'Real User' };

let issuer: TestIssuer;
let database: ScratchDatabase;
let backend: RunningBackend;
let metricsUrl: string;
const BASELINE_CONNECTIONS = 0;

beforeAll(async () => {
  issuer = await startTestIssuer();
  database = await createScratchDatabase();
  const metricsPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  backend = await startBackend({
    databaseUrl: database.url,
    issuer: issuer.issuer,
    audience: issuer.audience,
    env: {
      METRICS_PORT: String(metricsPort),
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
      OIDC_INTROSPECTION_CLIENT_ID: INTROSPECTION_CLIENT.clientId,
      OIDC_INTROSPECTION_CLIENT_SECRET: INTROSPECTION_CLIENT.clientSecret,
      OIDC_INTROSPECTION_MAX_PER_SECOND: String(INTROSPECTION_PER_SECOND),
      OIDC_INTROSPECTION_MAX_CONCURRENT: '8',
      // Refusals are logged at info: the junk burst checks that their lines are rationed.
      LOG_LEVEL: 'info',
    },
  });
  await expectRecovered('start-up');
});

afterAll(async () => {
  await backend?.stop();
  await issuer?.close();
  await database?.drop();
});

async function scrape(): Promise<string> {
  const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
  return response.text();
}

function metric(text: string, pattern: string): number {
  const match = new RegExp(`^${pattern} (\\S+)$`, 'm').exec(text);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

const openConnections = async () => metric(await scrape(), 'liverty_http_open_connections');

/** A real GetOrCreate with a real token from the test issuer, over HTTP/1.1 and over h2c. */
async function expectRealUserServed(what: string): Promise<void> {
  const token = await issuer.issue(profile);
  const dispatcher = createDispatcher(1);
  try {
    const http1 = await callUserService(backend.baseUrl, 'GetOrCreate', {
      token,
      timeoutMs: 10_000,
      dispatcher,
    });
    expect(http1.status, `${what}: HTTP/1.1 GetOrCreate ${JSON.stringify(http1)}`).toBe(200);
    expect((http1.json as { user?: { zitadelUserId?: string } }).user?.zitadelUserId).toBe(
      profile.sub,
    );
  } finally {
    await dispatcher.close();
  }
  const session = await openH2c(backend.baseUrl);
  try {
    const h2 = await h2Request(
      session,
      {
        ':method': 'POST',
        ':path': GET_OR_CREATE,
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
      },
      '{}',
      10_000,
    );
    expect(h2.status, `${what}: h2c GetOrCreate ${describeOutcome(h2)}`).toBe(200);
    expect(JSON.parse(h2.body ?? '{}').user?.zitadelUserId).toBe(profile.sub);
  } finally {
    session.close();
  }
}

/** Alive, connection count back to the baseline, and a real user served. */
async function expectRecovered(what: string): Promise<void> {
  expect(backend.isAlive(), `${what}: the backend exited\n${backend.output()}`).toBe(true);
  await waitUntil(
    `${what}: open connections back to ${BASELINE_CONNECTIONS}`,
    async () => (await openConnections()) === BASELINE_CONNECTIONS,
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  await expectRealUserServed(what);
  expect(backend.isAlive()).toBe(true);
}

/** Waits until a raw connection sees a reaction: a frame on `streamId`, a GOAWAY, or a close. */
async function reaction(connection: RawConnection, streamId: number, timeoutMs: number) {
  let closed = false;
  void connection.closed.then(() => {
    closed = true;
  });
  return waitUntil(
    'a reaction from the server',
    () => {
      const seen = connection.frames();
      const onStream = seen.find((entry) => entry.streamId === streamId);
      if (onStream) return `frame type ${onStream.type} code ${onStream.code ?? '-'}`;
      const goaway = seen.find((entry) => entry.type === FRAME.GOAWAY);
      if (goaway) return `GOAWAY code ${goaway.code}`;
      return closed ? 'connection closed' : undefined;
    },
    { timeoutMs, intervalMs: 20 },
  );
}

describe('hostile network', () => {
  it('answers malformed authorities with invalid_argument on h2c and HTTP/1.1, and never crashes', async () => {
    // Tried: the authority that ended the process before (a:99999, port out of range), a space,
    // userinfo, a path, a bad port, an unclosed IP literal, a bad percent escape, and a gRPC call
    // with the first of them. Each must be 400 invalid_argument (gRPC: grpc-status 3), or a stream
    // reset by nghttp2 where it refuses the characters itself.
    const authorities = ['a:99999', 'a b', 'user@host', 'host/path', 'a:-1', '[::1', '%zz'];
    const session = await openH2c(backend.baseUrl);
    for (const authority of authorities) {
      const outcome = await h2Request(
        session,
        {
          ':method': 'POST',
          ':path': GET_ME,
          ':authority': authority,
          'content-type': 'application/json',
        },
        '{}',
        5000,
      );
      // nghttp2 itself resets a stream whose :authority holds a character no authority may (a
      // space, a slash): PROTOCOL_ERROR before Node sees it. The rest reach the request guard,
      // the one that ended the process before among them.
      const answer =
        outcome.status === 400
          ? JSON.parse(outcome.body ?? '{}').code
          : outcome.reset === http2Constants.NGHTTP2_PROTOCOL_ERROR
            ? 'reset by nghttp2'
            : describeOutcome(outcome);
      expect(answer, `:authority ${authority}`).toMatch(
        authority === 'a:99999' ? /^invalid_argument$/ : /^(invalid_argument|reset by nghttp2)$/,
      );
      tally.rejected();
    }
    const grpc = await h2Request(
      session,
      {
        ':method': 'POST',
        ':path': GET_ME,
        ':authority': 'a:99999',
        'content-type': 'application/grpc',
      },
      '',
      5000,
    );
    expect(grpc.headers?.['grpc-status'], describeOutcome(grpc)).toBe('3');
    tally.rejected();
    session.close();

    // Raw header blocks Node's client will not build: no authority at all, missing or empty
    // pseudo-headers, an unknown pseudo-header, one after a regular field, an uppercase name, a
    // connection-specific field, a NUL in a value. The server must react to each (an answer, a
    // reset or a GOAWAY), and stay up.
    const base: [string, string][] = [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', GET_ME],
      ['content-type', 'application/json'],
    ];
    const rawCases: { name: string; fields: [string, string][] }[] = [
      { name: 'no :authority and no host', fields: base },
      { name: 'host a:99999 instead of :authority', fields: [...base, ['host', 'a:99999']] },
      { name: 'no :method', fields: base.filter(([name]) => name !== ':method') },
      { name: 'no :path', fields: base.filter(([name]) => name !== ':path') },
      {
        name: 'empty :path',
        fields: [
          [':method', 'POST'],
          [':scheme', 'http'],
          [':path', ''],
        ],
      },
      {
        name: ':path without a slash',
        fields: [
          [':method', 'POST'],
          [':scheme', 'http'],
          [':path', 'x'],
        ],
      },
      { name: 'unknown pseudo-header', fields: [...base, [':evil', '1']] },
      { name: 'pseudo-header after a field', fields: [['content-type', 'x'], ...base] },
      { name: 'uppercase field name', fields: [...base, ['Authorization', 'Bearer x']] },
      { name: 'connection-specific field', fields: [...base, ['connection', 'keep-alive']] },
      { name: 'NUL in a value', fields: [...base, [':authority', 'a\u0000b']] },
      { name: 'two :path', fields: [...base, [':path', '/x']] },
    ];
    for (const rawCase of rawCases) {
      const connection = await openRawH2c(backend.baseUrl);
      connection.send(
        frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, headerBlock(rawCase.fields)),
      );
      const seen = await reaction(connection, 1, 5000).catch(() => 'nothing');
      expect(seen, rawCase.name).not.toBe('nothing');
      expect(backend.isAlive(), `${rawCase.name}: the backend exited\n${backend.output()}`).toBe(
        true,
      );
      tally.rejected();
      connection.socket.destroy();
    }

    // HTTP/1.1: the same bad hosts, HTTP/1.0 without Host, and two Host headers: 400 each.
    const http1Cases = [
      'Host: a:99999\r\n',
      'Host: a b\r\n',
      'Host: [::1\r\n',
      'Host: user@host\r\n',
      'Host: a\r\nHost: b\r\n',
    ].map((host) => ({ version: '1.1', host }));
    http1Cases.push({ version: '1.0', host: '' });
    for (const { version, host } of http1Cases) {
      const { hostname, port } = new URL(backend.baseUrl);
      const socket = connectTcp(Number(port), hostname);
      socket.on('error', () => {});
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
      });
      await once(socket, 'connect');
      socket.end(
        `POST ${GET_ME} HTTP/${version}\r\n${host}content-type: application/json\r\ncontent-length: 2\r\n\r\n{}`,
      );
      await once(socket, 'close');
      expect(received, `HTTP/${version} ${JSON.stringify(host)}`).toMatch(/^HTTP\/1\.1 400/);
      tally.rejected();
    }
    await expectRecovered('malformed authorities and pseudo-headers');
  });

  it('gives back every connection slot after 2,200 calls abandoned or reset mid-body', async () => {
    // Tried: 1,100 connections that open a GetMe stream, send half a body and go away (half with
    // a FIN, half with a TCP reset) — past HTTP_MAX_CONNECTIONS (1,024) if any slot leaked — and
    // 1,100 streams cancelled with RST_STREAM mid-body on 11 sessions.
    const ABANDONED = 1100;
    const PARALLEL = 50;
    let abandoned = 0;
    for (let round = 0; round < ABANDONED / PARALLEL; round++) {
      await Promise.all(
        Array.from({ length: PARALLEL }, async (_, index) => {
          const { hostname, port } = new URL(backend.baseUrl);
          const socket = connectTcp(Number(port), hostname);
          socket.on('error', () => {});
          const session = connectHttp2(backend.baseUrl, { createConnection: () => socket });
          session.on('error', () => {});
          const stream = session.request({
            ':method': 'POST',
            ':path': GET_ME,
            'content-type': 'application/json',
          });
          stream.on('error', () => {});
          stream.write('{"half":');
          // A PING is answered after every frame sent before it: the server has the stream.
          await new Promise<void>((resolve) => session.ping(() => resolve()));
          if (index % 2 === 0) socket.end();
          else socket.resetAndDestroy();
          abandoned++;
        }),
      );
    }
    const SESSIONS = 11;
    const STREAMS = 100;
    let cancelled = 0;
    for (let sessionIndex = 0; sessionIndex < SESSIONS; sessionIndex++) {
      const session = await openH2c(backend.baseUrl);
      for (let index = 0; index < STREAMS && !session.closed && !session.destroyed; index++) {
        const stream = session.request({
          ':method': 'POST',
          ':path': GET_ME,
          'content-type': 'application/json',
        });
        stream.on('error', () => {});
        stream.write('{"half":');
        stream.close(http2Constants.NGHTTP2_CANCEL);
        cancelled++;
      }
      await new Promise<void>((resolve) =>
        session.destroyed ? resolve() : session.ping(() => resolve()),
      );
      session.destroy();
    }
    tally.note(`${abandoned} connections abandoned mid-body, ${cancelled} streams reset mid-body`);
    expect(abandoned + cancelled).toBeGreaterThanOrEqual(2000);
    tally.rejected(abandoned + cancelled);
    await expectRecovered('calls abandoned and reset mid-body');
  });

  it('ends trickling streams, PING-only sessions and trickled header blocks within the timeouts', async () => {
    // Tried: 20 streams on one session each sending one body byte every 250 ms; a session that
    // opens no stream and only PINGs; a header block trickled out in 1-byte CONTINUATION frames.
    const session = await openH2c(backend.baseUrl);
    const started = performance.now();
    const ended = await Promise.all(
      Array.from({ length: 20 }, () => {
        const stream = session.request({
          ':method': 'POST',
          ':path': GET_ME,
          'content-type': 'application/json',
        });
        stream.on('error', () => {});
        let status: number | undefined;
        stream.on('response', (headers) => {
          status = Number(headers[':status']);
        });
        stream.resume();
        const timer = setInterval(() => {
          if (!stream.destroyed && !stream.writableEnded) stream.write(' ');
        }, 250);
        return new Promise<{ status?: number; ms: number }>((resolve) => {
          stream.on('close', () => {
            clearInterval(timer);
            resolve({ status, ms: performance.now() - started });
          });
        });
      }),
    );
    session.destroy();
    for (const stream of ended) {
      expect(stream.status, `a trickling stream ended with ${stream.status}`).toBe(408);
      // Node checks timers in the same loop as everything else: a generous margin, not a bound.
      expect(stream.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 4000);
      tally.rejected();
    }

    const pinging = await openH2c(backend.baseUrl);
    const pinger = setInterval(() => {
      if (!pinging.destroyed && !pinging.closed) pinging.ping(() => {});
    }, 200);
    const pingStarted = performance.now();
    await once(pinging, 'close');
    clearInterval(pinger);
    expect(performance.now() - pingStarted).toBeLessThan(HEADERS_TIMEOUT_MS + 4000);
    tally.rejected();

    const trickled = await openRawH2c(backend.baseUrl);
    const block = headerBlock([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', GET_ME],
      [':authority', 'x'],
    ]);
    trickled.send(frame(FRAME.HEADERS, 0, 1, block.subarray(0, 1)));
    let offset = 1;
    const dripper = setInterval(() => {
      // Never the last byte, never END_HEADERS: the block stays open for as long as we drip.
      if (offset < block.length - 1)
        trickled.send(frame(FRAME.CONTINUATION, 0, 1, block.subarray(offset, ++offset)));
      else trickled.send(frame(FRAME.CONTINUATION, 0, 1, Buffer.alloc(0)));
    }, 300);
    const trickleStarted = performance.now();
    await trickled.closed;
    clearInterval(dripper);
    expect(performance.now() - trickleStarted).toBeLessThan(HEADERS_TIMEOUT_MS + 4000);
    tally.rejected();
    await expectRecovered('trickling streams');
  });

  it('refuses oversized frames and header blocks without harm', async () => {
    // Tried: a 20 KiB header (over the 16 KiB list limit) in HEADERS + CONTINUATION, a 64 KiB
    // header block in 4 KiB CONTINUATIONs, a DATA frame over the 16 KiB frame size, and a frame
    // header announcing 16 MiB that never comes.
    const big = headerBlock([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', GET_ME],
      [':authority', 'x'],
      ['x-big', 'a'.repeat(20 * 1024)],
    ]);
    const huge = headerBlock([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', GET_ME],
      [':authority', 'x'],
      ...Array.from({ length: 64 }, (_, index): [string, string] => [
        `x-${index}`,
        'b'.repeat(1000),
      ]),
    ]);
    const continued = (block: Buffer, size: number, end = FLAG.END_STREAM) => {
      const frames = [frame(FRAME.HEADERS, end, 1, block.subarray(0, size))];
      for (let offset = size; offset < block.length; offset += size) {
        const last = offset + size >= block.length;
        frames.push(
          frame(
            FRAME.CONTINUATION,
            last ? FLAG.END_HEADERS : 0,
            1,
            block.subarray(offset, offset + size),
          ),
        );
      }
      return Buffer.concat(frames);
    };
    const small = headerBlock([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', GET_ME],
      [':authority', 'x'],
    ]);
    const announced = Buffer.alloc(9);
    announced.writeUIntBE(0xffffff, 0, 3);
    announced[3] = FRAME.DATA;
    announced.writeUInt32BE(1, 5);
    const cases: { name: string; bytes: Buffer }[] = [
      { name: '20 KiB header', bytes: continued(big, 16_000) },
      { name: '64 KiB header block', bytes: continued(huge, 4096) },
      {
        name: 'DATA frame over the frame size',
        bytes: Buffer.concat([
          frame(FRAME.HEADERS, FLAG.END_HEADERS, 1, small),
          frame(FRAME.DATA, 0, 1, Buffer.alloc(20_000)),
        ]),
      },
      {
        name: 'a frame announcing 16 MiB',
        bytes: Buffer.concat([
          frame(FRAME.HEADERS, FLAG.END_HEADERS, 1, small),
          announced,
          Buffer.alloc(1000),
        ]),
      },
    ];
    for (const oversized of cases) {
      const connection = await openRawH2c(backend.baseUrl);
      connection.send(oversized.bytes);
      const seen = await reaction(connection, 1, 8000).catch(() => 'nothing');
      expect(seen, oversized.name).not.toBe('nothing');
      expect(backend.isAlive(), `${oversized.name}: the backend exited`).toBe(true);
      tally.rejected();
      connection.socket.destroy();
    }
    await expectRecovered('oversized frames and headers');
  });

  it('spends no more than its budget on a junk-token burst, and serves opaque users again within a second', async () => {
    // Tried: 600 junk bearer tokens — 150 too long, 150 with characters no base64url has, 150 too
    // short, 150 plausible random base64url strings — then one plausible junk token 50 times.
    const before = await scrape();
    const logBefore = backend.output().length;
    const introspectedBefore = issuer.counts.introspection;
    const junk = [
      ...Array.from({ length: 150 }, () => randomBytes(1500).toString('base64url')),
      ...Array.from({ length: 150 }, () => `${randomBytes(30).toString('base64')}+/=!`),
      ...Array.from({ length: 150 }, () => randomBytes(9).toString('base64url')),
      ...Array.from({ length: 150 }, () => randomBytes(32).toString('base64url')),
    ];
    const repeated = randomBytes(32).toString('base64url');
    const dispatcher = createDispatcher(50);
    const started = performance.now();
    const answers: number[] = [];
    const all = [...junk, ...Array.from({ length: 50 }, () => repeated)];
    for (let offset = 0; offset < all.length; offset += 50) {
      const batch = await Promise.all(
        all
          .slice(offset, offset + 50)
          .map((token) =>
            callUserService(backend.baseUrl, 'GetMe', { token, timeoutMs: 10_000, dispatcher }),
          ),
      );
      answers.push(...batch.map((exchange) => exchange.status));
    }
    const seconds = (performance.now() - started) / 1000;
    const introspected = issuer.counts.introspection - introspectedBefore;
    for (const status of answers) {
      // 401 unauthenticated, or 503 unavailable once the budget is spent: nothing else.
      if (status === 401 || status === 503) tally.rejected();
      else tally.unexpected(`junk token answered HTTP ${status}`);
    }
    expect(answers.every((status) => status === 401 || status === 503)).toBe(true);
    // Only the 151 plausible strings may reach the issuer, and never more than the budget allows.
    expect(introspected).toBeLessThanOrEqual(151);
    expect(introspected).toBeLessThanOrEqual(INTROSPECTION_PER_SECOND * (seconds + 1));
    const after = await scrape();
    const exhausted =
      metric(after, 'liverty_introspection_budget_exhausted_total') -
      (metric(before, 'liverty_introspection_budget_exhausted_total') || 0);
    tally.note(
      `junk burst: ${all.length} calls in ${seconds.toFixed(1)} s, ${introspected} introspections, budget exhausted ${exhausted}×`,
    );
    if (introspected < 151) expect(exhausted).toBeGreaterThan(0);
    // Every refusal counted, though their log lines are rationed (20 per 10 s).
    const refusals = (text: string, code: string) =>
      metric(text, `liverty_auth_refusals_total\\{code="${code}"\\}`) || 0;
    expect(
      refusals(after, 'Unauthenticated') +
        refusals(after, 'Unavailable') -
        refusals(before, 'Unauthenticated') -
        refusals(before, 'Unavailable'),
    ).toBeGreaterThanOrEqual(all.length);
    const logged = backend
      .output()
      .slice(logBefore)
      .split('\n')
      .filter((line) => line.includes('"msg":"request refused"')).length;
    expect(logged).toBeLessThanOrEqual(20 * (Math.ceil(seconds / 10) + 1));

    // A real opaque token right after the burst: served within a second (the bucket refills).
    const opaque = issuer.issueOpaque(profile);
    const burstEnded = performance.now();
    await waitUntil(
      'a real opaque-token user served after the burst',
      async () =>
        (
          await callUserService(backend.baseUrl, 'GetMe', {
            token: opaque,
            timeoutMs: 5000,
            dispatcher,
          })
        ).status === 200,
      { timeoutMs: 3000, intervalMs: 100 },
    );
    expect(performance.now() - burstEnded).toBeLessThan(1500);
    tally.accepted();
    await dispatcher.close();
    await expectRecovered('junk-token burst');
  });
});
