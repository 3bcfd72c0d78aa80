/**
 * A thin JSON client for ZITADEL's REST APIs (management v1, admin v1, action v2), authenticated
 * with a personal access token. Any non-2xx answer becomes a ZitadelError carrying ZITADEL's own
 * message: gRPC-gateway errors look like {"code": 5, "message": "…"}, Connect errors like
 * {"code": "not_found", "message": "…"}.
 */

export class ZitadelError extends Error {
  /** @override */
  name = 'ZitadelError';

  /**
   * @param {{ method: string, path: string, status: number, code?: unknown, zitadelMessage?: string }} details
   */
  constructor({ method, path, status, code, zitadelMessage }) {
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

/**
 * @typedef {object} ZitadelClient
 * @property {(path: string) => Promise<any>} get
 * @property {(path: string, body?: unknown) => Promise<any>} post
 * @property {(path: string, body: unknown) => Promise<any>} put
 */

/**
 * @param {{ baseUrl: string, token: string, fetch?: typeof globalThis.fetch, timeoutMs?: number }} options
 * @returns {ZitadelClient}
 */
export function createZitadelClient({
  baseUrl,
  token,
  fetch = globalThis.fetch,
  timeoutMs = 15_000,
}) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   */
  async function call(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    /** @type {any} */
    let json;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const message =
        typeof json?.message === 'string' && json.message !== ''
          ? json.message
          : text.slice(0, 200) || undefined;
      throw new ZitadelError({
        method,
        path,
        status: response.status,
        code: json?.code,
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
    return json;
  }

  return {
    get: (path) => call('GET', path),
    post: (path, body = {}) => call('POST', path, body),
    put: (path, body) => call('PUT', path, body),
  };
}
