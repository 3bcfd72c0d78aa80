// The `npm start` command lines we print for a person to copy: the one that repeats their own
// choices (ports from the environment stay in the environment, flags stay flags), and the one
// that fixes options npm kept for itself because they came without `--`.
import { PORT_SETTINGS, type StartOptions } from './start-options';

export function quote(arg: string): string {
  return /^[\w./:@%+=,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * `npm start` as this person started it, with `--reset` when asked: ports that are not the default
 * come back as they were given, so the command works in the same shell and in a new one.
 */
export function startCommand(options: StartOptions, extra: { reset?: boolean } = {}): string {
  const custom = PORT_SETTINGS.filter(
    (setting) => options.ports[setting.service] !== setting.defaultPort,
  );
  const env = custom
    .filter((setting) => options.portSources[setting.service] === 'env')
    .map((setting) => `${setting.env}=${options.ports[setting.service]}`);
  const args = [
    ...((extra.reset ?? options.reset) ? ['--reset'] : []),
    ...custom
      .filter((setting) => options.portSources[setting.service] === 'flag')
      .flatMap((setting) => [setting.flag, String(options.ports[setting.service])]),
    ...(options.dataDir ? ['--data-dir', options.dataDir] : []),
  ].map(quote);
  return [...env, 'npm start', ...(args.length ? ['--', ...args] : [])].join(' ');
}

/** npm's name for each of our options when it keeps one: `--idp-port=1` → npm_config_idp_port. */
const NPM_CONFIG_NAMES: readonly { env: string; flag: string; takesValue: boolean }[] = [
  ...PORT_SETTINGS.map((setting) => ({
    env: `npm_config_${setting.flag.slice(2).replaceAll('-', '_')}`,
    flag: setting.flag,
    takesValue: true,
  })),
  { env: 'npm_config_data_dir', flag: '--data-dir', takesValue: true },
  { env: 'npm_config_reset', flag: '--reset', takesValue: false },
];

export interface MisplacedOptions {
  /** The options as npm start should have received them. */
  flags: string[];
  /** The command that passes them through npm. */
  command: string;
}

/**
 * Options typed without `--` (`npm start --idp-port=18080`): npm takes them as its own settings
 * and passes them on only as npm_config_* variables. `npm start --idp-port 18080` reaches us as
 * npm_config_idp_port=true and a lone "18080" argument; that value is put back next to its flag.
 */
export function misplacedNpmOptions(
  env: NodeJS.ProcessEnv,
  argv: readonly string[],
): MisplacedOptions | undefined {
  const rest = [...argv];
  const flags: string[] = [];
  for (const option of NPM_CONFIG_NAMES) {
    const value = env[option.env];
    if (value === undefined || value === '') continue;
    if (!option.takesValue) {
      flags.push(option.flag);
    } else if (value !== 'true') {
      flags.push(`${option.flag}=${value}`);
    } else {
      const lone = rest.findIndex((arg) => !arg.startsWith('-'));
      flags.push(lone >= 0 ? `${option.flag}=${rest.splice(lone, 1)[0]}` : option.flag);
    }
  }
  if (flags.length === 0) return undefined;
  return { flags, command: ['npm start --', ...[...flags, ...rest].map(quote)].join(' ') };
}

export function formatMisplacedOptions(misplaced: MisplacedOptions): string {
  const named = misplaced.flags.join(' ');
  const one = misplaced.flags.length === 1;
  return [
    `npm start: ${named} came without \`--\` in front, so npm kept ${one ? 'it as its own setting' : 'them as its own settings'}`,
    `(the "Unknown cli config" warning above) and npm start never received ${one ? 'it' : 'them'}.`,
    'Nothing was started. Put npm start\'s options after "--":',
    '',
    `  ${misplaced.command}`,
    '',
    "(npm start does not pick them up from npm's settings: npm says its next major version refuses",
    'them, and a start that runs on other ports, or deletes data, should come from what you typed.)',
  ].join('\n');
}
