import { Agent, type Dispatcher, request } from 'undici';

export const USER_SERVICE_PATH = '/liverty_music.user.v1.UserService';
export type UserMethod = 'GetOrCreate' | 'GetMe';

/**
 * One HTTP exchange as the suite judges it. `failure` is set when no HTTP response came back
 * (timeout, connection reset): unexpected from a running backend, unless the request was one it
 * may refuse by closing the socket (an oversized body).
 */
export interface Exchange {
  status: number;
  /** The Connect error code, or the webhook's `error`/`outcome` field. */
  code?: string;
  json?: unknown;
  /**
   * For gRPC and gRPC-web answers (which the Connect adapter also speaks, always with HTTP 200):
   * the status code name from `grpc-status`, and its message.
   */
  grpc?: { code: string; message: string };
  failure?: string;
  ms: number;
}

const GRPC_CODES = [
  'ok',
  'canceled',
  'unknown',
  'invalid_argument',
  'deadline_exceeded',
  'not_found',
  'already_exists',
  'permission_denied',
  'resource_exhausted',
  'failed_precondition',
  'aborted',
  'out_of_range',
  'unimplemented',
  'internal',
  'unavailable',
  'data_loss',
  'unauthenticated',
];

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * gRPC puts its status in headers (trailers-only answers) or trailers; gRPC-web puts trailers in
 * the body, as a frame whose flag byte has the high bit set.
 */
function grpcStatus(
  headers: Record<string, string | string[] | undefined>,
  trailers: Record<string, string | string[] | undefined>,
  body: Buffer,
): { code: string; message: string } | undefined {
  const fields = new Map<string, string>();
  for (const source of [headers, trailers]) {
    for (const name of ['grpc-status', 'grpc-message']) {
      const value = source[name];
      if (typeof value === 'string') fields.set(name, value);
    }
  }
  for (let offset = 0; offset + 5 <= body.length; ) {
    const flags = body[offset] ?? 0;
    const length = body.readUInt32BE(offset + 1);
    const frame = body.subarray(offset + 5, offset + 5 + length);
    if (flags & 0x80) {
      for (const line of frame.toString('latin1').split('\r\n')) {
        const [name, ...value] = line.split(':');
        if (name) fields.set(name.trim().toLowerCase(), value.join(':').trim());
      }
    }
    offset += 5 + length;
  }
  const status = fields.get('grpc-status');
  if (status === undefined) return undefined;
  return {
    code: GRPC_CODES[Number(status)] ?? `grpc-status ${status}`,
    message: percentDecoded(fields.get('grpc-message') ?? ''),
  };
}

/** A keep-alive pool large enough that the suite, not the client, decides the concurrency. */
export function createDispatcher(connections = 256): Agent {
  return new Agent({ connections, keepAliveTimeout: 10_000, pipelining: 1 });
}

export interface SendOptions {
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs: number;
  dispatcher: Dispatcher;
}

/** Sends any request and classifies what comes back; never throws. */
export async function send(baseUrl: string, path: string, options: SendOptions): Promise<Exchange> {
  const started = performance.now();
  try {
    const response = await request(`${baseUrl}${path}`, {
      method: options.method ?? 'POST',
      headers: options.headers,
      body: options.body,
      dispatcher: options.dispatcher,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const raw = Buffer.from(await response.body.arrayBuffer());
    const contentType = String(response.headers['content-type'] ?? '');
    if (contentType.startsWith('application/grpc')) {
      let grpc: Exchange['grpc'];
      try {
        grpc = grpcStatus(response.headers, response.trailers, raw);
      } catch {
        // A frame cut short: judged as an answer without a status.
      }
      return { status: response.statusCode, grpc, ms: performance.now() - started };
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      // not JSON (a binary protobuf answer, or an empty 404): status alone is judged
    }
    const fields = (json ?? {}) as { code?: unknown; error?: unknown; outcome?: unknown };
    const code = [fields.code, fields.error, fields.outcome].find(
      (value): value is string => typeof value === 'string',
    );
    return { status: response.statusCode, code, json, ms: performance.now() - started };
  } catch (error) {
    const name = (error as { name?: string }).name;
    const failure =
      name === 'TimeoutError' || name === 'AbortError'
        ? `no answer within ${options.timeoutMs} ms`
        : `${name ?? 'Error'}: ${(error as Error).message} (${String((error as { code?: unknown }).code ?? '')})`;
    return { status: 0, failure, ms: performance.now() - started };
  }
}

// GetOrCreateRequest { is_registration = 1 (bool) }: tag 1, varint, value 1.
const GET_OR_CREATE_PROTO = Uint8Array.of(0x08, 0x01);

/** A unary Connect call with a Bearer token, as the SPA makes it (JSON) or binary protobuf. */
export function callUserService(
  baseUrl: string,
  method: UserMethod,
  options: {
    token?: string;
    authorization?: string;
    format?: 'json' | 'proto';
    timeoutMs: number;
    dispatcher: Dispatcher;
  },
): Promise<Exchange> {
  const proto = options.format === 'proto';
  const headers: Record<string, string> = {
    'content-type': proto ? 'application/proto' : 'application/json',
    'connect-protocol-version': '1',
  };
  const authorization =
    options.authorization ?? (options.token ? `Bearer ${options.token}` : undefined);
  if (authorization !== undefined) headers.authorization = authorization;
  const body = proto
    ? method === 'GetOrCreate'
      ? GET_OR_CREATE_PROTO
      : new Uint8Array()
    : method === 'GetOrCreate'
      ? '{"isRegistration":true}'
      : '{}';
  return send(baseUrl, `${USER_SERVICE_PATH}/${method}`, {
    headers,
    body,
    timeoutMs: options.timeoutMs,
    dispatcher: options.dispatcher,
  });
}

/** The fields of a user in a JSON GetOrCreate/GetMe answer that the cases compare. */
export interface UserReply {
  user?: { id?: string; zitadelUserId?: string; email?: string };
  created?: boolean;
}

/** An Actions v2 delivery: the raw body with its `ZITADEL-Signature` header. */
export function deliverWebhook(
  baseUrl: string,
  body: string,
  signature: string | undefined,
  options: { timeoutMs: number; dispatcher: Dispatcher },
): Promise<Exchange> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== undefined) headers['zitadel-signature'] = signature;
  return send(baseUrl, '/webhooks/zitadel', { ...options, headers, body });
}

/** Status of `/healthz` or `/readyz`, or 0 when nothing answered within 5 s. */
export async function probe(baseUrl: string, path: '/healthz' | '/readyz'): Promise<number> {
  try {
    const response = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}
