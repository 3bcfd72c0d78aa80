import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  constants as http2Constants,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';
import type { HttpLimits } from './listen-http1-and-h2c';

// gRPC clients open one connection and multiplex on it; this bounds one connection's share.
const MAX_CONCURRENT_STREAMS = 100;
// The same 16 KiB as Node's HTTP/1.1 parser allows for a request's headers (431 past it there).
export const MAX_HEADER_LIST_BYTES = 16 * 1024;
// A session that was asked to close (GOAWAY) and still holds its socket after this is destroyed.
const CLOSE_GRACE_MS = 1000;

export interface H2cSessions {
  /** Hands a connection that sent the HTTP/2 preface to the HTTP/2 server. */
  accept(socket: Socket): void;
  /** Asks every session to close (GOAWAY), or ends them at once. */
  closeAll(options: { force: boolean }): void;
}

/**
 * HTTP/2 without TLS on connections the caller accepted itself (docs/decisions/023, 028), with
 * the limits HTTP/1.1 gets from http.Server:
 * - a session's socket is destroyed when the session ends, whatever ended it (a client that went
 *   away mid-stream included), so the listening server's connection count goes back down;
 * - a session must open a stream within the headers timeout, and is closed once it has had no
 *   open stream for the keep-alive timeout: frames without a request (PING, SETTINGS, a header
 *   block trickled out in CONTINUATION frames) do not hold a connection;
 * - each stream's request, body included, must arrive within the request timeout: else 408 and
 *   the stream is reset.
 */
export function createH2cSessions(
  handler: (req: Http2ServerRequest, res: Http2ServerResponse) => void,
  limits: HttpLimits,
): H2cSessions {
  const http2 = createHttp2Server({
    settings: {
      maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
      maxHeaderListSize: MAX_HEADER_LIST_BYTES,
    },
    maxSessionMemory: 10,
  });
  http2.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    limitRequestTime(req, res, limits.requestTimeoutMs);
    handler(req, res);
  });
  http2.setTimeout(limits.keepAliveTimeoutMs);
  const sessions = new Set<ServerHttp2Session>();

  function track(session: ServerHttp2Session, socket: Socket): void {
    sessions.add(session);
    // Protocol errors of one client (bad frames, a flood of resets) end its session only.
    session.on('error', () => {});
    const open = new Set<ServerHttp2Stream>();
    let idle = setTimeout(() => closeSession(session), limits.headersTimeoutMs);
    session.on('stream', (stream: ServerHttp2Stream) => {
      open.add(stream);
      clearTimeout(idle);
      stream.once('close', () => {
        open.delete(stream);
        if (open.size === 0 && !session.closed && !session.destroyed) {
          idle = setTimeout(() => closeSession(session), limits.keepAliveTimeoutMs);
        }
      });
    });
    // The client will send nothing more (allowHalfOpen keeps our side open, and HTTP/2 never
    // half-closes a connection): a request still missing its body can never complete. Answers
    // already under way may still be written.
    socket.once('end', () => {
      for (const stream of open) {
        if (!stream.readableEnded) stream.close(http2Constants.NGHTTP2_CANCEL);
      }
      closeSession(session);
    });
    session.once('close', () => {
      clearTimeout(idle);
      sessions.delete(session);
      // Node leaves a socket it was handed with 'connection' open when the session dies with
      // streams in flight; the listening server counts it until it closes.
      socket.destroy();
    });
    socket.once('close', () => {
      if (!session.destroyed) session.destroy();
    });
  }

  return {
    accept(socket) {
      // The server creates the session and emits 'session' synchronously within 'connection'.
      http2.once('session', (session: ServerHttp2Session) => track(session, socket));
      http2.emit('connection', socket);
    },
    closeAll({ force }) {
      for (const session of sessions) {
        if (force) session.destroy();
        else closeSession(session);
      }
    },
  };
}

function closeSession(session: ServerHttp2Session): void {
  if (session.destroyed) return;
  session.close();
  setTimeout(() => {
    if (!session.destroyed) session.destroy();
  }, CLOSE_GRACE_MS).unref();
}

/** HTTP/1.1's requestTimeout for one stream: the request must have fully arrived by then. */
function limitRequestTime(
  req: Http2ServerRequest,
  res: Http2ServerResponse,
  timeoutMs: number,
): void {
  if (req.readableEnded) return;
  const timer = setTimeout(() => {
    if (!res.headersSent) {
      res.writeHead(408);
      res.end();
    }
    // RST_STREAM after the answer (RFC 9113 §8.1): the client must stop sending.
    if (!req.stream.destroyed) req.stream.close(http2Constants.NGHTTP2_NO_ERROR);
  }, timeoutMs);
  const done = () => clearTimeout(timer);
  req.once('end', done);
  req.once('close', done);
  res.once('close', done);
}
