import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { fromBinary } from '@bufbuild/protobuf';
import { type ConnectRouter, createConnectRouter, type Interceptor } from '@connectrpc/connect';
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from '@connectrpc/connect-node';
import type { Logger } from '../logger';

export interface RpcHandlerOptions {
  routes: (router: ConnectRouter) => void;
  interceptors: Interceptor[];
  readMaxBytes: number;
  logger: Logger;
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new TooLarge());
      } else chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** The plain body, or undefined for an encoding Connect will refuse itself (501). */
function decompress(body: Buffer, encoding: string | undefined, limit: number): Buffer | undefined {
  if (!encoding || encoding === 'identity') return body;
  if (encoding === 'gzip') return gunzipSync(body, { maxOutputLength: limit });
  if (encoding === 'br') return brotliDecompressSync(body, { maxOutputLength: limit });
  return undefined;
}

/**
 * Serves the Connect routes like connect-node's connectNodeAdapter, with one difference: a Connect
 * unary request in the binary format is decoded here first, so an undecodable body is answered
 * `invalid_argument` (HTTP 400). connect-es reports it as `internal` (500), before any interceptor
 * can see it, while it reports undecodable JSON as `invalid_argument`.
 */
export function createRpcHandler(options: RpcHandlerOptions) {
  const router = createConnectRouter({
    interceptors: options.interceptors,
    readMaxBytes: options.readMaxBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
    // Connect only (JSON and binary). The SPA speaks Connect; gRPC needs HTTP/2 and gRPC-web
    // would answer an undecodable message with `internal`, the flaw this handler exists to avoid.
    grpc: false,
    grpcWeb: false,
  });
  options.routes(router);
  const handlers = new Map(router.handlers.map((handler) => [handler.requestPath, handler]));

  const fail = (res: ServerResponse, status: number, code: string, message: string) => {
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ code, message }));
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const handler = handlers.get((req.url ?? '').split('?')[0] ?? '');
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    let request = universalRequestFromNodeRequest(req, res, undefined, undefined);
    const contentType = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (req.method === 'POST' && contentType === 'application/proto') {
      let body: Buffer;
      try {
        body = await readBody(req, options.readMaxBytes);
      } catch (error) {
        if (error instanceof TooLarge) {
          return fail(
            res,
            429,
            'resource_exhausted',
            `message larger than ${options.readMaxBytes} bytes`,
          );
        }
        return fail(res, 400, 'invalid_argument', 'request body could not be read');
      }
      try {
        const encoding = req.headers['content-encoding']?.trim().toLowerCase();
        const plain = decompress(body, encoding, options.readMaxBytes);
        if (plain) fromBinary(handler.method.input, plain);
      } catch {
        return fail(
          res,
          400,
          'invalid_argument',
          `request is not a valid ${handler.method.input.typeName}`,
        );
      }
      request = {
        ...request,
        body: (async function* () {
          yield new Uint8Array(body);
        })(),
      };
    }
    try {
      await universalResponseToNodeResponse(await handler(request), res);
    } catch (error) {
      options.logger.warn({ err: error, procedure: handler.method.name }, 'RPC response failed');
      if (!res.headersSent) res.writeHead(500).end();
    }
  };
}
