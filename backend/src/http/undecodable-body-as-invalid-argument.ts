import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

export type NodeRequest = IncomingMessage | Http2ServerRequest;
export type NodeResponse = ServerResponse | Http2ServerResponse;
export type NodeHandler = (req: NodeRequest, res: NodeResponse) => void;

/**
 * How connect-es words a binary message it cannot decode (protocol/serialization.js). It reports
 * it as `internal` before any interceptor runs, while undecodable JSON is `invalid_argument`.
 * test/connect-contract.test.ts fails if an upgrade changes either.
 */
export const BINARY_PARSE_PREFIX = 'parse binary:';

// The calls connect-node's universalResponseToNodeResponse makes on a response, typed once for
// both http and http2 responses (their overloads do not unify).
interface WrittenResponse {
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
  write(chunk: Uint8Array, encoding?: unknown, callback?: (error?: Error | null) => void): boolean;
  end(...args: unknown[]): unknown;
  addTrailers(trailers: Record<string, string>): void;
}

const GRPC_INTERNAL = '13';
const GRPC_INVALID_ARGUMENT = '3';

/** gRPC percent-encodes grpc-message; one that does not decode is not connect-es's. */
function isParseFailure(status: string | undefined, message: string | undefined): boolean {
  try {
    return (
      status === GRPC_INTERNAL && decodeURIComponent(message ?? '').startsWith(BINARY_PARSE_PREFIX)
    );
  } catch {
    return false;
  }
}

/**
 * Wraps connect-node's adapter so that a Connect unary request whose binary body does not decode
 * is answered 400 `invalid_argument`, as undecodable JSON is, and not 500 `internal`: a client's
 * garbage must not look like a server fault to alerts, proxies or retry policies. gRPC and
 * gRPC-web say it in trailers (grpc-status 13): those become 3, invalid_argument. Only an answer
 * that is exactly that failure is rewritten; every other response passes through untouched.
 */
export function answerUndecodableBodyAsInvalidArgument(handler: NodeHandler): NodeHandler {
  return (req, res) => {
    const contentType = req.headers['content-type']?.toLowerCase() ?? '';
    if (contentType.startsWith('application/grpc-web')) correctGrpcWebTrailers(res);
    else if (contentType.startsWith('application/grpc')) correctGrpcTrailers(res);
    else if (!isJson(contentType)) holdInternalErrors(res);
    handler(req, res);
  };
}

/**
 * A JSON body goes through the JSON codec, whose failures are invalid_argument already
 * (test/connect-contract.test.ts): nothing to correct, so the answer is left alone. That is every
 * call the SPA makes; binary bodies, and Connect GET (no content type, maybe a binary message),
 * still go through the check.
 */
function isJson(contentType: string): boolean {
  return (
    contentType.startsWith('application/json') || contentType.startsWith('application/connect+json')
  );
}

/** Holds a 500 answer until its (small, JSON) body is complete, then rewrites it if it must. */
function holdInternalErrors(res: NodeResponse): void {
  const target = res as unknown as WrittenResponse;
  const writeHead = target.writeHead.bind(target);
  const write = target.write.bind(target);
  const end = target.end.bind(target);
  let held: { headers: OutgoingHttpHeaders; chunks: Buffer[] } | undefined;

  target.writeHead = (status, headers = {}) => {
    if (status !== 500) return writeHead(status, headers);
    // Called again after the body when headersSent is still false, which holding it keeps so.
    held = { headers, chunks: held?.chunks ?? [] };
    return target;
  };
  target.write = (chunk, encoding, callback) => {
    if (!held) return write(chunk, encoding, callback);
    held.chunks.push(Buffer.from(chunk));
    if (typeof callback === 'function') process.nextTick(callback);
    else if (typeof encoding === 'function') process.nextTick(encoding as () => void);
    return true;
  };
  target.end = (...args) => {
    if (!held) return end(...args);
    if (args[0] instanceof Uint8Array) held.chunks.push(Buffer.from(args.shift() as Uint8Array));
    const { status, body } = rewrite(Buffer.concat(held.chunks));
    writeHead(status, { ...held.headers, 'content-length': String(body.length) });
    held = undefined;
    return end(body, ...args.filter((arg) => typeof arg === 'function'));
  };
}

function rewrite(body: Buffer): { status: number; body: Buffer } {
  try {
    const error = JSON.parse(body.toString('utf8')) as { code?: unknown; message?: unknown };
    if (
      error.code === 'internal' &&
      typeof error.message === 'string' &&
      error.message.startsWith(BINARY_PARSE_PREFIX)
    ) {
      return {
        status: 400,
        body: Buffer.from(JSON.stringify({ ...error, code: 'invalid_argument' })),
      };
    }
  } catch {
    // Not a Connect error body: pass it on as it was.
  }
  return { status: 500, body };
}

/** gRPC: the status is in HTTP trailers. */
function correctGrpcTrailers(res: NodeResponse): void {
  const target = res as unknown as WrittenResponse;
  const addTrailers = target.addTrailers.bind(target);
  target.addTrailers = (trailers) => {
    const corrected = isParseFailure(trailers['grpc-status'], trailers['grpc-message'])
      ? { ...trailers, 'grpc-status': GRPC_INVALID_ARGUMENT }
      : trailers;
    addTrailers(corrected);
  };
}

/** gRPC-web: the status is in the body's last frame (flag 0x80), written whole in one chunk. */
function correctGrpcWebTrailers(res: NodeResponse): void {
  const target = res as unknown as WrittenResponse;
  const write = target.write.bind(target);
  target.write = (chunk, encoding, callback) => {
    if (chunk[0] !== 0x80 || chunk.length < 5) return write(chunk, encoding, callback);
    const text = Buffer.from(chunk.subarray(5)).toString('latin1');
    const field = (name: string) => new RegExp(`^${name}: ?(.*?)\r?$`, 'm').exec(text)?.[1];
    if (!isParseFailure(field('grpc-status'), field('grpc-message'))) {
      return write(chunk, encoding, callback);
    }
    const corrected = Buffer.from(
      text.replace(/^grpc-status: ?13\r?$/m, `grpc-status: ${GRPC_INVALID_ARGUMENT}\r`),
      'latin1',
    );
    const frame = Buffer.alloc(5 + corrected.length);
    frame[0] = 0x80;
    frame.writeUInt32BE(corrected.length, 1);
    corrected.copy(frame, 5);
    return write(frame, encoding, callback);
  };
}
