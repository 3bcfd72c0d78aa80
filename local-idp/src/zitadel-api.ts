import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventLog } from './event-log';
import { InvalidEventSearch, listEvents } from './event-search';
import { bearerToken, HttpError, readJsonObject, sendJson } from './http-io';
import { InvalidListUsers, listUsers, UnsupportedListUsers } from './list-users';
import type { User } from './user-store';

export const EVENT_SEARCH_PATH = '/admin/v1/events/_search';
export const LIST_USERS_PATH = '/v2/users';

/** gRPC status codes as grpc-gateway reports them in JSON error bodies. */
const GRPC = { invalidArgument: 3, notFound: 5, unimplemented: 12, unauthenticated: 16 } as const;

export interface ZitadelApiDeps {
  pat: string;
  events: EventLog;
  user: (id: string) => User | undefined;
  orgId: string;
}

/** Whether this stand-in serves `pathname` as a ZITADEL management API path. */
export function isZitadelApiPath(pathname: string): boolean {
  return pathname.startsWith('/admin/v1/') || pathname === LIST_USERS_PATH;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time PAT comparison (hashing first makes the lengths equal). */
export function patMatches(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * ZITADEL's Event API (`ListEvents`) and User API v2 `ListUsers` over REST, as its gateway speaks
 * them, behind a personal access token. Other `/admin/v1/*` paths answer like an unknown method.
 */
export async function handleZitadelApi(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  deps: ZitadelApiDeps,
): Promise<void> {
  if (pathname !== EVENT_SEARCH_PATH && pathname !== LIST_USERS_PATH) {
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
    const body = await readJsonObject(req);
    sendJson(
      res,
      200,
      pathname === LIST_USERS_PATH ? listUsers(deps, body) : listEvents(deps.events, body),
    );
  } catch (error) {
    if (
      error instanceof InvalidEventSearch ||
      error instanceof InvalidListUsers ||
      (error instanceof HttpError && error.status === 400)
    ) {
      sendJson(res, 400, { code: GRPC.invalidArgument, message: error.message, details: [] });
      return;
    }
    if (error instanceof UnsupportedListUsers) {
      sendJson(res, 501, { code: GRPC.unimplemented, message: error.message, details: [] });
      return;
    }
    throw error;
  }
}
