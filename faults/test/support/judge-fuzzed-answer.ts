import type { Exchange } from './call-backend';
import type { FuzzRequest } from './request-arbitraries';

// What the fuzzer accepts as an answer, and the backend bugs already known (see
// faults/README.md), recognised narrowly so that anything else still fails the run.

export type Verdict =
  | { verdict: 'rejected' }
  | { verdict: 'accepted' }
  | { verdict: 'unexpected'; why: string }
  | { verdict: 'known bug'; bug: string; why: string };

export const BINARY_PARSE_BUG = 'an undecodable binary body is answered 500 internal, not 400';
export const WEDGE_BUG =
  'an oversized gRPC request leaves its keep-alive connection answering nothing';
export const UNSTORABLE_EVENT_BUG =
  'a signed event with text Postgres cannot store (NUL, lone surrogate, year 0) is answered 500, not 400';

/** Connect's own 5xx replies to what the client asked for (see outcomeOf), counted for the notes. */
export const protocolAnswers = { count: 0 };

interface Outcome {
  ok: boolean;
  code: string;
  message: string;
  /** A server fault: HTTP 5xx on Connect, or the gRPC codes that mean the same. */
  fault: boolean;
}

/**
 * One shape for the three protocols the adapter speaks. Connect says it with the HTTP status;
 * gRPC and gRPC-web always say HTTP 200 and put the outcome in `grpc-status`. Two Connect 5xx
 * answers are the protocol's own reply to what the client asked for, not server faults:
 * `unimplemented` (501) for a compression it does not support, `deadline_exceeded` (504) for a
 * client-set timeout.
 */
function outcomeOf(request: FuzzRequest, exchange: Exchange): Outcome {
  if (exchange.grpc) {
    const { code, message } = exchange.grpc;
    return {
      ok: code === 'ok',
      code,
      message,
      fault: ['internal', 'unknown', 'data_loss'].includes(code),
    };
  }
  const message = String((exchange.json as { message?: unknown } | undefined)?.message ?? '');
  const code = exchange.code ?? '';
  const asked =
    (exchange.status === 501 &&
      code === 'unimplemented' &&
      request.headers['content-encoding'] !== undefined) ||
    (exchange.status === 504 &&
      code === 'deadline_exceeded' &&
      request.headers['connect-timeout-ms'] !== undefined);
  if (asked) protocolAnswers.count++;
  return {
    // A gRPC answer without a grpc-status is no success, whatever its HTTP status.
    ok: exchange.status >= 200 && exchange.status < 300 && !isGrpc(request),
    code,
    message,
    fault: exchange.status >= 500 && !asked && !(exchange.status === 503 && code === 'unavailable'),
  };
}

/**
 * The rules every answer must keep. `wedged`: the same connection answered nothing afterwards.
 */
export function judge(request: FuzzRequest, exchange: Exchange, wedged: boolean): Verdict {
  const verdict = judgeAnswer(request, exchange);
  if (!wedged || verdict.verdict === 'unexpected') return verdict;
  const why = `connection answered nothing after HTTP ${exchange.status}`;
  return { verdict: 'unexpected', why };
}

function judgeAnswer(request: FuzzRequest, exchange: Exchange): Verdict {
  if (request.declaredLength !== undefined) {
    // Only the status line of a body cut off on the wire is read: any refusal or a closed
    // socket is right; a server fault is not, nor a hang (the server must notice the close).
    const asked =
      (exchange.status === 501 && request.headers['content-encoding'] !== undefined) ||
      (exchange.status === 504 && request.headers['connect-timeout-ms'] !== undefined);
    if (exchange.status >= 500 && exchange.status !== 503 && !asked) {
      return {
        verdict: 'unexpected',
        why: `HTTP ${exchange.status} to a body cut off on the wire`,
      };
    }
    return exchange.failure?.startsWith('no answer')
      ? { verdict: 'unexpected', why: exchange.failure }
      : { verdict: 'rejected' };
  }
  if (exchange.status === 0) {
    // Refusing an oversized body by closing the socket is fine; a hang is not.
    const mayDrop = request.oversized && !exchange.failure?.startsWith('no answer');
    return mayDrop
      ? { verdict: 'rejected' }
      : { verdict: 'unexpected', why: exchange.failure ?? 'no answer' };
  }
  const outcome = outcomeOf(request, exchange);
  if (exchange.status === 200 && isGrpc(request) && !exchange.grpc) {
    return { verdict: 'unexpected', why: 'HTTP 200 gRPC answer without a grpc-status' };
  }
  if (outcome.ok) {
    return request.credentialed || request.method === 'OPTIONS'
      ? { verdict: 'accepted' }
      : { verdict: 'unexpected', why: `HTTP ${exchange.status} without credentials` };
  }
  const what = `HTTP ${exchange.status} ${outcome.code} ${JSON.stringify(outcome.message.slice(0, 120))}`;
  if (!outcome.fault) return { verdict: 'rejected' };
  return { verdict: 'unexpected', why: what };
}

// Only RPC paths speak gRPC. The webhook is plain HTTP for ZITADEL: a signed event sent with a gRPC
// content type is still just an event, and its 200 carries no grpc-status.
const isGrpc = (request: FuzzRequest) =>
  request.path.startsWith('/liverty_music.') &&
  request.headers['content-type']?.startsWith('application/grpc') === true;
