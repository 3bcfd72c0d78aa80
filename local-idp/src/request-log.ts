import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The backend's reconciler asks for new events every few seconds; answered, that poll is routine
 * and at info level it would be a third of the log. It shows with LOCAL_IDP_LOG_LEVEL=debug, and
 * always when it fails.
 */
const ROUTINE_POLL = 'POST /admin/v1/events/_search';

function showsRoutinePolls(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.LOCAL_IDP_LOG_LEVEL?.trim().toLowerCase() === 'debug';
}

/**
 * One line per request: method, path and status. Only the path is logged: query strings carry
 * authorization codes, id_token_hints and states, and we never log bodies (passwords, tokens) or
 * Authorization headers (PATs, access tokens).
 */
export function logRequest(
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
  showRoutine = showsRoutinePolls(),
): void {
  const started = performance.now();
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  res.once('close', () => {
    const answered = res.writableFinished && res.statusCode < 400;
    if (!showRoutine && answered && `${req.method} ${path}` === ROUTINE_POLL) return;
    const ms = Math.round(performance.now() - started);
    log(
      `${req.method ?? '-'} ${path} ${res.statusCode}${res.writableFinished ? '' : ' (aborted)'} ${ms}ms`,
    );
  });
}
