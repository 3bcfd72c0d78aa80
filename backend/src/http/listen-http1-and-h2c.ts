import { createServer as createHttp1Server, type RequestListener } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../logger';
import { DrainingServerResponse, KeepAliveIncomingMessage } from './drain-unread-body';
import { guardRequests } from './guard-requests';
import { createH2cSessions } from './h2c-sessions';

/** Every HTTP/2 connection without TLS starts with these bytes (RFC 9113 §3.4). */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface HttpLimits {
  /** Time for a client to send a request's headers; also the time to say which protocol it speaks. */
  headersTimeoutMs: number;
  /** Time for a whole request (an HTTP/1.1 request or an HTTP/2 stream), body included. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection (or HTTP/2 session without open streams) is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections open at once, both protocols together; more are closed as they arrive. */
  maxConnections: number;
}

/** The listening socket, plus the connection controls of http.Server for both protocols. */
export type BackendServer = Server & {
  closeIdleConnections(): void;
  closeAllConnections(): void;
};

/**
 * One port for HTTP/1.1 and HTTP/2 without TLS ("prior knowledge", what gRPC clients send): the
 * first bytes of a connection decide. Node's HTTP/2 server takes cleartext connections but cannot
 * fall back to HTTP/1.1 without TLS, and the HTTP/1.1 server cannot hand over a connection.
 */
export function listenHttp1AndH2c(
  http1Handler: RequestListener,
  http2Handler: (req: Http2ServerRequest, res: Http2ServerResponse) => void,
  limits: HttpLimits,
  logger: Logger,
): BackendServer {
  const http1 = createHttp1Server(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two timeouts on this interval (30 s by default): a check at least four
      // times per headers timeout keeps the real limit within 25 % of the configured one.
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, limits.headersTimeoutMs / 4)),
      // A body left unread by an early answer must not wedge the keep-alive connection.
      IncomingMessage: KeepAliveIncomingMessage,
      ServerResponse: DrainingServerResponse,
    },
    guardRequests(http1Handler, logger),
  );
  const h2c = createH2cSessions(guardRequests(http2Handler, logger), limits);

  // Connections that have not said which protocol they speak yet: neither server knows them.
  const undecided = new Set<Socket>();
  // allowHalfOpen as http.Server sets it for its own sockets: it ends them itself.
  const server = createTcpServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    undecided.add(socket);
    socket.once('close', () => undecided.delete(socket));
    sniffProtocol(socket, limits.headersTimeoutMs, (protocol) => {
      undecided.delete(socket);
      if (protocol === 'h2') {
        // The HTTP/2 session reads what is buffered on the socket, then takes over its handle.
        h2c.accept(socket);
        return;
      }
      http1.emit('connection', socket);
      // The HTTP/1.1 parser reads new bytes from the handle itself; the ones read while sniffing
      // reach it as 'data' events, which the pause held back.
      socket.resume();
    });
  }) as BackendServer;
  server.maxConnections = limits.maxConnections;
  // http.Server starts enforcing headersTimeout and requestTimeout when it starts listening.
  // This one never listens (the TCP server does): start them with the TCP server.
  server.on('listening', () => http1.emit('listening'));
  server.on('close', () => http1.close(() => {}));
  server.closeIdleConnections = () => {
    for (const socket of undecided) socket.destroy();
    http1.closeIdleConnections();
    h2c.closeAll({ force: false });
  };
  server.closeAllConnections = () => {
    for (const socket of undecided) socket.destroy();
    http1.closeAllConnections();
    h2c.closeAll({ force: true });
  };
  return server;
}

/**
 * Reads until the bytes either stop matching the HTTP/2 preface (HTTP/1.1) or complete it (h2),
 * then puts them back for the chosen server to read. A client that says nothing for the headers
 * timeout is dropped here, before either server counts it.
 */
function sniffProtocol(
  socket: Socket,
  timeoutMs: number,
  decide: (protocol: 'http1' | 'h2') => void,
): void {
  let seen = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  // A reset while sniffing would otherwise be an unhandled 'error', and a client that leaves
  // before its first byte would hold a connection (half-open: allowHalfOpen) until the timeout.
  const onGone = () => socket.destroy();
  const stop = () => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', stop);
    socket.off('error', onGone);
    socket.off('end', onGone);
  };
  const onData = (chunk: Buffer) => {
    seen = Buffer.concat([seen, chunk]);
    const compared = Math.min(seen.length, HTTP2_PREFACE.length);
    const h2 = seen.subarray(0, compared).equals(HTTP2_PREFACE.subarray(0, compared));
    if (h2 && seen.length < HTTP2_PREFACE.length) return;
    stop();
    socket.pause();
    socket.unshift(seen);
    decide(h2 ? 'h2' : 'http1');
  };
  socket.on('data', onData);
  socket.once('close', stop);
  socket.on('error', onGone);
  socket.on('end', onGone);
}
