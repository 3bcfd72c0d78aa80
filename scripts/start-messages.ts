// What `npm start` tells a person: which port is taken and the exact command to use another, and,
// once everything answers, where each part runs and how to start over.
import { constants } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import { LISTEN_HOST } from './port-check';
import { quote, startCommand } from './start-commands';
import { PORT_SETTINGS, type PortSetting, type StartOptions } from './start-options';

export interface TakenPort {
  setting: PortSetting;
  port: number;
  /** A port found free just now, if any. */
  suggestion: number | undefined;
}

/** The options that are not ports, as given, to repeat them in a suggested command. */
function otherArgs(options: StartOptions): string[] {
  return [
    ...(options.reset ? ['--reset'] : []),
    ...(options.dataDir ? ['--data-dir', options.dataDir] : []),
  ];
}

function list(items: string[]): string {
  return items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export function formatPortsTaken(taken: TakenPort[], options: StartOptions): string {
  const ports = { ...options.ports };
  for (const { setting, suggestion } of taken) {
    if (suggestion !== undefined) ports[setting.service] = suggestion;
  }
  const what = list(taken.map(({ setting, port }) => `${port} (${setting.title})`));
  const lines = [
    `npm start: ${taken.length === 1 ? `port ${what} is` : `ports ${what} are`} already in use on ${LISTEN_HOST}.`,
    'Nothing was started. Stop what holds it, or start on another port:',
    '',
  ];
  const rest = otherArgs(options).map(quote);
  if (taken.every(({ suggestion }) => suggestion !== undefined)) {
    // Ports as environment variables: a port flag given before would override them.
    const env = PORT_SETTINGS.filter(
      (setting) => ports[setting.service] !== setting.defaultPort,
    ).map((setting) => `${setting.env}=${ports[setting.service]}`);
    const flags = PORT_SETTINGS.filter((setting) => ports[setting.service] !== setting.defaultPort)
      .flatMap((setting) => [setting.flag, String(ports[setting.service])])
      .concat(rest);
    lines.push(`  ${[...env, 'npm start', ...(rest.length ? ['--', ...rest] : [])].join(' ')}`);
    lines.push('', `or with flags:  npm start -- ${flags.join(' ')}`);
  } else {
    lines.push(`  ${taken.map(({ setting }) => `${setting.env}=<free port>`).join(' ')} npm start`);
  }
  const first = taken[0]?.port;
  lines.push(`To see what holds a port:  ss -ltnp 'sport = :${first}'  (or: lsof -i :${first})`);
  return lines.join('\n');
}

export interface StackSummary {
  appUrl: string;
  idpUrl: string;
  apiUrl: string;
  dataDir: string;
  /** Set when the backend runs on real Postgres instead of PGlite. */
  databaseUrl: string | undefined;
  /** Accounts the local identity provider already holds (from earlier runs). */
  accounts: number;
  options: StartOptions;
  /** Paths are shown relative to this folder when inside it. */
  cwd: string;
}

function shown(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}

/** A URL without its password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(DATABASE_URL is set but is not a URL)';
  }
}

export function formatSummary(summary: StackSummary): string {
  const data = `${shown(summary.dataDir, summary.cwd)}/`;
  const accounts =
    summary.accounts > 0
      ? `${summary.accounts} account${summary.accounts === 1 ? '' : 's'} from earlier runs; "Sign up" in the app adds one`
      : 'no accounts yet: click "Sign up" in the app to register one';
  const deleted = summary.databaseUrl
    ? 'accounts, keys and logs; not the Postgres database'
    : 'accounts, keys, database and logs';
  const rows: [string, string][] = [
    ['Identity provider', `${summary.idpUrl}  (local, dev-only)`],
    ['', accounts],
    [
      '',
      'passwords: 8 or more characters, with an uppercase and a lowercase letter, a number and a symbol',
    ],
    ['API', `${summary.apiUrl}  (/healthz, /readyz)`],
    [
      'Database',
      summary.databaseUrl
        ? `Postgres at ${redactUrl(summary.databaseUrl)} (DATABASE_URL)`
        : `PGlite in ${shown(`${summary.dataDir}/pglite`, summary.cwd)}/`,
    ],
    ['Logs', `${data}logs/  (local-idp.log, backend.log, frontend.log)`],
    // The same ports again: a plain `npm start -- --reset` would start on the default ones.
    [
      'Start over',
      `${startCommand(summary.options, { reset: true })}  (deletes ${data}: ${deleted})`,
    ],
    ['Stop', 'Ctrl-C (or SIGTERM or SIGHUP to npm) stops all three'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    `Open ${summary.appUrl}`,
    '',
    ...rows.map(([label, text]) => `  ${label.padEnd(width)}  ${text}`),
  ].join('\n');
}

/** What each part is called, by its log file's name. */
export const PART_TITLES: Record<string, string> = {
  'local-idp': 'the identity provider (local-idp)',
  backend: 'the API (backend)',
  frontend: 'the app (frontend, Vite)',
};

export interface StoppedPart {
  name: string;
  logFile: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The log's last lines. */
  tail: string;
}

export function formatPartStopped(part: StoppedPart, cwd: string): string {
  // tsx and npm exit with 128 + n when what they ran was killed by signal n.
  const code = part.code ?? 0;
  const signalName =
    code > 128
      ? Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0]
      : undefined;
  const how = part.signal
    ? `killed by ${part.signal}`
    : `exit code ${part.code}${signalName ? `: killed by ${signalName}` : ''}`;
  const tail = part.tail
    ? part.tail
        .split('\n')
        .map((line) => `  | ${line}`)
        .join('\n')
    : '  | (the log is empty)';
  return [
    `npm start: ${PART_TITLES[part.name] ?? part.name} stopped on its own (${how}).`,
    `Its log is ${shown(part.logFile, cwd)}; its last lines:`,
    tail,
  ].join('\n');
}
