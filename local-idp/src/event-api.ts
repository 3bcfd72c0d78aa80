import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventLog } from './event-log.ts';
import {
  InvalidEventSearch,
  parseEventSearchRequest,
  searchEvents,
  toEventApiEvent,
} from './event-search.ts';
import { bearerToken, HttpError, readJsonObject, sendJson } from './http-io.ts';

export const EVENT_SEARCH_PATH = '/admin/v1/events/_search';

/** gRPC status codes as grpc-gateway reports them in JSON error bodies. */
const GRPC = { invalidArgument: 3, notFound: 5, unimplemented: 12, unauthenticated: 16 } as const;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time PAT comparison (hashing first makes the lengths equal). */
export function patMatches(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * ZITADEL's Event API behind a personal access token. Only this one admin endpoint exists; other
 * `/admin/v1/*` paths answer like an unknown gRPC method.
 */
export async function handleAdminApi(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  deps: { pat: string; events: EventLog },
): Promise<void> {
  if (pathname !== EVENT_SEARCH_PATH) {
    sendJson(res, 404, { code: GRPC.notFound, message: 'Not Found', details: [] });
    return;
  }
  if (req.method !== 'POST') {
    sendJson(
      res,
      405,
      { code: GRPC.unimplemented, message: 'Method Not Allowed', details: [] },
      { Allow: 'POST' },
    );
    return;
  }
  const token = bearerToken(req);
  if (!token) {
    sendJson(res, 401, { code: GRPC.unauthenticated, message: 'auth header missing', details: [] });
    return;
  }
  if (!patMatches(token, deps.pat)) {
    sendJson(res, 401, {
      code: GRPC.unauthenticated,
      message: 'Errors.Token.Invalid',
      details: [],
    });
    return;
  }
  try {
    const query = parseEventSearchRequest(await readJsonObject(req));
    sendJson(res, 200, { events: searchEvents(deps.events.all(), query).map(toEventApiEvent) });
  } catch (error) {
    if (
      error instanceof InvalidEventSearch ||
      (error instanceof HttpError && error.status === 400)
    ) {
      sendJson(res, 400, { code: GRPC.invalidArgument, message: error.message, details: [] });
      return;
    }
    throw error;
  }
}
