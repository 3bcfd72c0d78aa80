import { once } from 'node:events';
import { connect as connectHttp2, constants as http2Constants } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTally } from './support/fault-tally';
import { FRAME, frame, headerBlock, openH2c, openRawH2c } from './support/h2c-client';
import {
  GET_ME,
  HEADERS_TIMEOUT_MS,
  hostileNetworkTarget,
  REQUEST_TIMEOUT_MS,
} from './support/hostile-network-target';

// Clients that hold the API port's connections (issue 21, docs/decisions/028): thousands of calls
// abandoned or reset mid-body, trickling streams, PING-only sessions, trickled header blocks. Every
// slot must come back and every slow client be ended within the timeouts.
const tally = createTally('hostile network');
const target = hostileNetworkTarget();
const { expectRecovered } = target;

describe('hostile network', () => {
  it('gives back every connection slot after 2,200 calls abandoned or reset mid-body', async () => {
    const { backend } = target;
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
    const { backend } = target;
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
        // Ended when the answer has been read, or when the stream closes without one. Node may
        // leave a client stream that was answered and then reset (RST_STREAM NO_ERROR, the
        // server's "stop sending") closed but never emit 'close' for it: 2 runs in 12 hung so.
        return new Promise<{ status?: number; ms: number }>((resolve) => {
          const finish = () => {
            clearInterval(timer);
            resolve({ status, ms: performance.now() - started });
          };
          stream.once('end', finish);
          stream.once('close', finish);
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
});
