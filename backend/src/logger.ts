import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({
    level,
    // "time":"2026-12-07T14:03:07.042Z" rather than epoch milliseconds: a person reading the JSON
    // (kubectl logs, docker compose logs) sees when; collectors parse both. `npm start` turns the
    // lines into text (scripts/log-format.ts).
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: serializeError },
    // Bearer tokens must never reach a log line, whatever a caller decides to log.
    redact: {
      paths: [
        'authorization',
        'headers.authorization',
        'req.headers.authorization',
        'accessToken',
        'token',
        '*.accessToken',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}

/**
 * Errors without what they carry: a failed query's message lists its parameters (emails, names,
 * payloads), which do not belong in logs.
 */
function serializeError(error: unknown) {
  if (!(error instanceof Error)) return { message: String(error) };
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  return {
    type: error.name,
    message: error.message.split('\nparams:')[0]?.slice(0, 500),
    code: (error as { code?: unknown }).code,
    cause: cause
      ? { code: cause.code, message: String(cause.message ?? '').slice(0, 300) }
      : undefined,
    stack: error.stack
      ?.split('\n')
      .filter((line) => line.trimStart().startsWith('at '))
      .slice(0, 5)
      .join('\n'),
  };
}
