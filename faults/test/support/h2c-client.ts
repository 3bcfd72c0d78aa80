import { once } from 'node:events';
import {
  type ClientHttp2Session,
  connect as connectHttp2,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { connect as connectTcp, type Socket } from 'node:net';

/** What one h2c stream ended with: a response, a reset, or nothing within the bound. */
export interface H2Outcome {
  status?: number;
  headers?: IncomingHttpHeaders;
  body?: string;
  /** RST_STREAM code from the server, or the session's error code when it went away. */
  reset?: number;
  /** The client failed before anything came back (session destroyed, socket closed). */
  failure?: string;
  ms: number;
}

/** An h2c session ("prior knowledge", as gRPC clients speak) on its own TCP connection. */
export async function openH2c(baseUrl: string): Promise<ClientHttp2Session> {
  const session = connectHttp2(baseUrl);
  session.on('error', () => {});
  await once(session, 'connect');
  return session;
}

/** Sends one request on `session` and collects whatever comes back within `timeoutMs`. */
export function h2Request(
  session: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  body: string | undefined,
  timeoutMs: number,
): Promise<H2Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: Omit<H2Outcome, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, ms: performance.now() - started });
    };
    const timer = setTimeout(() => {
      stream.close();
      done({ failure: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    let stream: ReturnType<ClientHttp2Session['request']>;
    try {
      stream = session.request(headers, { endStream: body === undefined });
    } catch (error) {
      clearTimeout(timer);
      resolve({ failure: `client refused: ${(error as Error).message}`, ms: 0 });
      return;
    }
    let responseHeaders: IncomingHttpHeaders | undefined;
    let text = '';
    stream.on('response', (received) => {
      responseHeaders = received;
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('error', () => {});
    stream.on('close', () => {
      if (responseHeaders) {
        done({ status: Number(responseHeaders[':status']), headers: responseHeaders, body: text });
      } else {
        done({ reset: stream.rstCode, failure: 'closed without a response' });
      }
    });
    if (body !== undefined) stream.end(body);
  });
}

/** The status and a Connect JSON error code (or gRPC status name) of an outcome, for messages. */
export function describeOutcome(outcome: H2Outcome): string {
  if (outcome.status === undefined) return `reset ${outcome.reset ?? '-'} (${outcome.failure})`;
  const grpc = outcome.headers?.['grpc-status'];
  return `HTTP ${outcome.status}${grpc === undefined ? '' : ` grpc-status ${grpc}`} ${outcome.body?.slice(0, 120) ?? ''}`;
}

// --- Raw frames, for what Node's client will not send (RFC 9113 §4.1, §6; RFC 7541 §5.1, §6.2.2).

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const FRAME = {
  DATA: 0x0,
  HEADERS: 0x1,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PING: 0x6,
  GOAWAY: 0x7,
  CONTINUATION: 0x9,
} as const;
export const FLAG = { END_STREAM: 0x1, END_HEADERS: 0x4 } as const;

export function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

/** HPACK integer with an n-bit prefix (RFC 7541 §5.1). */
function hpackInteger(value: number, prefixBits: number, firstByteFlags = 0): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByteFlags | value]);
  const bytes = [firstByteFlags | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** A header block of literal fields without indexing, no Huffman: any name, any value. */
export function headerBlock(fields: [string, string][]): Buffer {
  return Buffer.concat(
    fields.flatMap(([name, value]) => {
      const n = Buffer.from(name, 'latin1');
      const v = Buffer.from(value, 'latin1');
      return [Buffer.from([0x00]), hpackInteger(n.length, 7), n, hpackInteger(v.length, 7), v];
    }),
  );
}

/** What a raw connection saw from the server: frame types per stream, and how it ended. */
export interface RawConnection {
  socket: Socket;
  send(data: Buffer): void;
  /** Frames received so far: type, stream id, and the error code of RST_STREAM / GOAWAY. */
  frames(): { type: number; streamId: number; code?: number }[];
  closed: Promise<unknown>;
}

/** A TCP connection that has sent the preface and an empty SETTINGS frame. */
export async function openRawH2c(baseUrl: string): Promise<RawConnection> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connectTcp(Number(port), hostname);
  socket.on('error', () => {});
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  let buffered = Buffer.alloc(0);
  const seen: { type: number; streamId: number; code?: number }[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 9) {
      const length = buffered.readUIntBE(0, 3);
      if (buffered.length < 9 + length) break;
      const type = buffered[3] ?? -1;
      const streamId = buffered.readUInt32BE(5) & 0x7fffffff;
      const payload = buffered.subarray(9, 9 + length);
      const code =
        type === FRAME.RST_STREAM
          ? payload.readUInt32BE(0)
          : type === FRAME.GOAWAY
            ? payload.readUInt32BE(4)
            : undefined;
      seen.push({ type, streamId, code });
      // Acknowledge SETTINGS as a client must, or the server may give up on us for that alone.
      if (type === FRAME.SETTINGS && ((buffered[4] ?? 0) & 0x1) === 0 && !socket.destroyed) {
        socket.write(frame(FRAME.SETTINGS, 0x1, 0, Buffer.alloc(0)));
      }
      buffered = buffered.subarray(9 + length);
    }
  });
  socket.write(Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0, Buffer.alloc(0))]));
  return {
    socket,
    send(data) {
      if (!socket.destroyed) socket.write(data);
    },
    frames: () => [...seen],
    closed,
  };
}
