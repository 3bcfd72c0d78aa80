import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * One line per request: method, path and status. Only the path is logged: query strings carry
 * authorization codes, id_token_hints and states, and we never log bodies (passwords, tokens) or
 * Authorization headers (PATs, access tokens).
 */
export function logRequest(
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
): void {
  const started = performance.now();
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  res.once('close', () => {
    const ms = Math.round(performance.now() - started);
    log(
      `${req.method ?? '-'} ${path} ${res.statusCode}${res.writableFinished ? '' : ' (aborted)'} ${ms}ms`,
    );
  });
}
