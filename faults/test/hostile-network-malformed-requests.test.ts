import { once } from 'node:events';
import { constants as http2Constants } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { describe, expect, it } from 'vitest';
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
} from './support/h2c-client';
import { GET_ME, hostileNetworkTarget, reaction } from './support/hostile-network-target';

// Requests the API port must refuse without harm (issue 21, docs/decisions/028): malformed
// authorities and pseudo-headers over h2c, raw HTTP/2 frames and HTTP/1.1, and frames and header
// blocks over the limits. After each: alive, connections back to the baseline, a real user served.
const tally = createTally('hostile network');
const target = hostileNetworkTarget();
const { expectRecovered } = target;

describe('hostile network', () => {
  it('answers malformed authorities with invalid_argument on h2c and HTTP/1.1, and never crashes', async () => {
    const { backend } = target;
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

  it('refuses oversized frames and header blocks without harm', async () => {
    const { backend } = target;
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
});
