/**
 * A thin JSON client for ZITADEL's REST APIs (management v1, admin v1, action v2), authenticated
 * with a personal access token. Any non-2xx answer becomes a ZitadelError carrying ZITADEL's own
 * message: gRPC-gateway errors look like {"code": 5, "message": "…"}, Connect errors like
 * {"code": "not_found", "message": "…"}.
 *
 * Callers name the request and answer bodies with `@zitadel/proto`'s `…Json` types (the protojson
 * form ZITADEL's REST gateway speaks, docs/decisions/010): the body is what the caller wrote, not a
 * re-encoding, so a field left out (payloadType, a false flag) stays left out.
 */

interface ZitadelErrorDetails {
  method: string;
  path: string;
  status: number;
  code?: unknown;
  zitadelMessage?: string | undefined;
}

export class ZitadelError extends Error {
  override name = 'ZitadelError';
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly code: unknown;
  readonly zitadelMessage: string | undefined;

  constructor({ method, path, status, code, zitadelMessage }: ZitadelErrorDetails) {
    const what = zitadelMessage ?? 'no error message in the answer';
    const codePart = code === undefined ? '' : ` (code ${String(code)})`;
    super(`ZITADEL answered HTTP ${status} to ${method} ${path}: ${what}${codePart}`);
    this.method = method;
    this.path = path;
    this.status = status;
    this.code = code;
    this.zitadelMessage = zitadelMessage;
  }
}

/** `Answer` is what the caller expects back: a `…ResponseJson` type of ZITADEL's protos. */
export interface ZitadelClient {
  get<Answer>(path: string): Promise<Answer>;
  post<Answer>(path: string, body?: object): Promise<Answer>;
  put<Answer>(path: string, body: object): Promise<Answer>;
}

export interface ZitadelClientOptions {
  baseUrl: string;
  token: string;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
}

/** What an error answer may carry (gRPC-gateway or Connect). */
interface ErrorAnswer {
  code?: unknown;
  message?: unknown;
}

export function createZitadelClient({
  baseUrl,
  token,
  fetch = globalThis.fetch,
  timeoutMs = 15_000,
}: ZitadelClientOptions): ZitadelClient {
  async function call<Answer>(method: string, path: string, body?: object): Promise<Answer> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const answer = (typeof json === 'object' && json !== null ? json : {}) as ErrorAnswer;
      const message =
        typeof answer.message === 'string' && answer.message !== ''
          ? answer.message
          : text.slice(0, 200) || undefined;
      throw new ZitadelError({
        method,
        path,
        status: response.status,
        code: answer.code,
        zitadelMessage: message,
      });
    }
    if (json === undefined) {
      throw new ZitadelError({
        method,
        path,
        status: response.status,
        zitadelMessage: `expected JSON, got: ${text.slice(0, 200)}`,
      });
    }
    return json as Answer;
  }

  return {
    get: (path) => call('GET', path),
    post: (path, body = {}) => call('POST', path, body),
    put: (path, body) => call('PUT', path, body),
  };
}
