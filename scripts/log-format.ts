// How `npm start` writes each part's log file: one line per message with the local time, a level
// and the message, the way a person reads a dev log. The backend keeps logging JSON (what a log
// collector wants in production); its lines are turned into text here, on their way to the file.
// The identity provider and Vite print plain lines: they get the time, and lose terminal colours.

/** pino's numeric levels (https://getpino.io/#/docs/api?id=levels). */
const PINO_LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** What every pino line carries and the text line shows in its own place (or not at all). */
const SHOWN_ELSEWHERE = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

// Colour and cursor sequences (CSI ... final byte), as terminals read them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what we remove
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}

/** 14:03:07.042, in the machine's time zone: the run's separator line carries the date. */
export function clockTime(date: Date): string {
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

function dateTime(date: Date): string {
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${clockTime(date).slice(0, 8)}`;
}

export const RUN_SEPARATOR_START = '===== ';

/** The line that opens each run in every log file, so runs that append to one file stay apart. */
export function runSeparator(date: Date, command: string): string {
  return `\n${RUN_SEPARATOR_START}${dateTime(date)}  ${command}  =====\n`;
}

function fieldValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

function pinoLine(text: string): string | undefined {
  if (!text.startsWith('{')) return undefined;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof entry.level !== 'number' || !('time' in entry)) return undefined;
  const time = new Date(entry.time as number | string);
  const level = PINO_LEVELS[entry.level] ?? `LEVEL${entry.level}`;
  const fields = Object.entries(entry)
    .filter(([key]) => !SHOWN_ELSEWHERE.has(key))
    .map(([key, value]) => {
      // An error's stack reads better on lines of its own than as one escaped string.
      if (key === 'err' && value && typeof value === 'object' && 'stack' in value) {
        const { stack, ...rest } = value as { stack?: unknown };
        return `err=${fieldValue(rest)}${typeof stack === 'string' ? `\n    ${stack.split('\n').join('\n    ')}` : ''}`;
      }
      return `${key}=${fieldValue(value)}`;
    });
  const when = Number.isNaN(time.getTime()) ? String(entry.time) : clockTime(time);
  return [when, level.padEnd(5), String(entry.msg ?? ''), ...fields].join(' ').trimEnd();
}

/**
 * One line as the log file shows it ('' for a blank line, which the file leaves out). `stream` says where a plain line came from: a part's stderr
 * is what it warns or fails with, so its lines are WARN unless they carry their own level.
 */
export function formatLogLine(line: string, stream: 'stdout' | 'stderr', now: Date): string {
  const text = line.replace(ANSI, '').replace(/\r$/, '');
  // Vite frames its banner with blank lines: in a file they only push the next line away.
  if (text.trim() === '') return '';
  const fromPino = pinoLine(text);
  if (fromPino !== undefined) return fromPino;
  return `${clockTime(now)} ${(stream === 'stderr' ? 'WARN' : 'INFO').padEnd(5)} ${text}`.trimEnd();
}

/** Splits a byte stream into lines, whatever the chunk boundaries; `flush` hands over the rest. */
export function lineSplitter(onLine: (line: string) => void) {
  let pending = '';
  return {
    push(chunk: Buffer | string) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    },
    flush() {
      if (pending) onLine(pending);
      pending = '';
    },
  };
}
