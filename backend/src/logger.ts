import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({
    level,
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
