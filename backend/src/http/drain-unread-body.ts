import { IncomingMessage, ServerResponse } from 'node:http';

/** Past this much unread body after the answer, the connection is not worth keeping. */
const DRAIN_LIMIT_BYTES = 1024 * 1024;

/**
 * A request whose for-await loop may stop early. connect-node reads bodies with for-await;
 * leaving that loop (gRPC refuses an oversized message mid-body) would destroy the request by
 * default, and a destroyed request can be neither drained nor parsed past: the keep-alive
 * connection would answer nothing more. Defined on the class, not set per request, so every
 * request keeps the one shape Node's stream code is optimised for.
 */
export class KeepAliveIncomingMessage extends IncomingMessage {
  override [Symbol.asyncIterator](): NodeJS.AsyncIterator<unknown> {
    return this.iterator({ destroyOnReturn: false });
  }
}

/**
 * A handler that answers before reading the whole body (a size limit, an unknown path) would
 * leave the rest in the socket, and the next request on that keep-alive connection would never
 * be parsed. Such a body is drained once the answer is out; a sender that keeps going past a
 * megabyte loses the connection. Whether that is needed is known when the answer ends: a body
 * already complete then (every ordinary call) costs one property read, no listener.
 */
export class DrainingServerResponse extends ServerResponse<KeepAliveIncomingMessage> {
  // The overloads of end() do not survive an override; these are the arguments they accept.
  override end(
    chunk?: unknown,
    encoding?: BufferEncoding | (() => void),
    callback?: () => void,
  ): this {
    if (!this.writableEnded && !this.req.complete) drainAfterAnswer(this.req, this);
    return super.end(chunk, encoding as BufferEncoding, callback);
  }
}

function drainAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  res.once('finish', () => {
    if (req.complete) return;
    if (req.destroyed) {
      socket.destroy();
      return;
    }
    let drained = 0;
    req.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > DRAIN_LIMIT_BYTES) socket.destroy();
    });
    req.resume();
  });
}
