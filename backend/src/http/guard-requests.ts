import { constants as http2Constants } from 'node:http2';
import type { Logger } from '../logger';
import type { NodeRequest, NodeResponse } from './undecodable-body-as-invalid-argument';

// RFC 3986 §3.2 authority without userinfo (RFC 9110 §4.2.4 forbids it in http URIs): host
// (reg-name, IPv4 or a bracketed IP literal) and an optional port. A Host or :authority outside
// this set cannot be part of a URL, and connect-node builds one from it before its own error
// handling: `new URL(path, "http://" + authority)` throws for "a:99999", "a b" or a missing one.
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]{1,5})?$/;

/** What connect-node reads as the request's authority (node-universal-handler.js). */
function authorityOf(req: NodeRequest): string | undefined {
  return 'authority' in req ? req.authority : req.headers.host;
}

/** Why this request's authority cannot be used, or undefined when it can. */
export function authorityProblem(req: NodeRequest): string | undefined {
  const authority = authorityOf(req);
  if (authority === undefined || authority === '') {
    return 'the request names no host (Host header or :authority)';
  }
  if (!AUTHORITY.test(authority) || !URL.canParse(`http://${authority}`)) {
    return 'the request host (Host header or :authority) is not a valid URL authority';
  }
  // RFC 9112 §3.2: more than one Host is a 400. Node keeps the first and drops the others.
  if (!('authority' in req) && hostFields(req.rawHeaders) > 1) {
    return 'the request has more than one Host header';
  }
  return undefined;
}

function hostFields(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index];
    if (name?.length === 4 && name.toLowerCase() === 'host') count++;
  }
  return count;
}

/**
 * Answers `invalid_argument` in the caller's protocol: gRPC says it in a trailers-only response
 * (HTTP 200, grpc-status 3), everything else (Connect, plain HTTP) with HTTP 400 and a Connect
 * error body.
 */
export function answerInvalidArgument(req: NodeRequest, res: NodeResponse, message: string): void {
  const contentType = req.headers['content-type']?.toLowerCase() ?? '';
  if (
    contentType.startsWith('application/grpc') &&
    !contentType.startsWith('application/grpc-web')
  ) {
    res.writeHead(200, {
      'content-type': 'application/grpc',
      'grpc-status': '3',
      'grpc-message': encodeURIComponent(message),
    });
    res.end();
    return;
  }
  const body = JSON.stringify({ code: 'invalid_argument', message });
  res.writeHead(400, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/**
 * Every request of both protocols passes here before any handler: one whose authority no URL can
 * hold is answered invalid_argument, and a handler that throws anyway is logged and answered 500
 * (or its stream reset, once the answer has begun). A throw must never reach the event loop: on
 * HTTP/2 it would end the process.
 */
export function guardRequests<Req extends NodeRequest, Res extends NodeResponse>(
  handler: (req: Req, res: Res) => void,
  logger: Logger,
): (req: Req, res: Res) => void {
  return (req, res) => {
    try {
      const problem = authorityProblem(req);
      if (problem) {
        answerInvalidArgument(req, res, problem);
        return;
      }
      handler(req, res);
    } catch (error) {
      logger.error({ err: error, path: req.url }, 'request handler crashed');
      answerInternalError(res);
    }
  };
}

function answerInternalError(res: NodeResponse): void {
  try {
    if (!res.headersSent) {
      res.writeHead(500);
      res.end();
    } else if ('stream' in res) {
      res.stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
    } else {
      res.destroy();
    }
  } catch {
    // The response is already unusable: the connection's own error handling ends it.
  }
}
