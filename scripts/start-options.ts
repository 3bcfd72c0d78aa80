// What `npm start` was asked for: ports from flags or the environment (today's defaults
// otherwise), a data folder, and whether to start over. Nothing here touches the machine.

export type ServiceName = 'idp' | 'api' | 'web';

export interface PortSetting {
  service: ServiceName;
  /** What a person calls it. */
  title: string;
  env: string;
  flag: string;
  defaultPort: number;
}

export const PORT_SETTINGS: readonly PortSetting[] = [
  {
    service: 'idp',
    title: 'local identity provider',
    env: 'IDP_PORT',
    flag: '--idp-port',
    defaultPort: 8080,
  },
  {
    service: 'api',
    title: 'API',
    env: 'API_PORT',
    flag: '--api-port',
    defaultPort: 3000,
  },
  {
    service: 'web',
    title: 'app',
    env: 'WEB_PORT',
    flag: '--web-port',
    defaultPort: 5173,
  },
];

export interface StartOptions {
  ports: Record<ServiceName, number>;
  /** Where each port came from, to repeat the person's own choices in suggested commands. */
  portSources: Record<ServiceName, 'default' | 'env' | 'flag'>;
  dataDir: string | undefined;
  reset: boolean;
  help: boolean;
}

export class UsageError extends Error {}

export const USAGE = `Usage: npm start [-- options]

Runs the local identity provider, the API and the app on this machine (embedded defaults).

Options (each port also from its environment variable; flags win):
  --idp-port N   local identity provider (IDP_PORT, default 8080)
  --api-port N   API / backend (API_PORT, default 3000)
  --web-port N   the app (WEB_PORT, default 5173)
  --reset        delete the data folder first: accounts, keys, embedded database, logs
  --data-dir DIR where everything generated lives (default .data)
  --help         this text

Options go after "--" (npm start -- --idp-port 8081): without it npm keeps them for itself.
DATABASE_URL=postgres://… runs the API on that Postgres instead of the embedded PGlite.
Ctrl-C, or SIGTERM or SIGHUP to npm, stops all three; so does any one of them stopping.`;

function parsePort(value: string, source: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new UsageError(`${source} must be a port number from 1 to 65535, not "${value}"`);
  }
  return Number(value);
}

export function parseStartOptions(argv: readonly string[], env: NodeJS.ProcessEnv): StartOptions {
  const options: StartOptions = {
    ports: { idp: 0, api: 0, web: 0 },
    portSources: { idp: 'default', api: 'default', web: 'default' },
    dataDir: undefined,
    reset: false,
    help: false,
  };
  for (const setting of PORT_SETTINGS) {
    const value = env[setting.env]?.trim();
    if (value) {
      options.ports[setting.service] = parsePort(value, setting.env);
      options.portSources[setting.service] = 'env';
    } else {
      options.ports[setting.service] = setting.defaultPort;
    }
  }

  const args = [...argv];
  while (args.length > 0) {
    const arg = args.shift() ?? '';
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg];
    const value = () => {
      const next = inline ?? args.shift();
      if (next === undefined || next === '') throw new UsageError(`${name} needs a value`);
      return next;
    };
    const setting = PORT_SETTINGS.find((candidate) => candidate.flag === name);
    if (setting) {
      options.ports[setting.service] = parsePort(value(), setting.flag);
      options.portSources[setting.service] = 'flag';
    } else if (name === '--reset') options.reset = true;
    else if (name === '--data-dir') options.dataDir = value();
    else if (name === '--help' || name === '-h') options.help = true;
    else throw new UsageError(`unknown option ${arg} (npm start -- --help lists them)`);
  }

  const seen = new Map<number, PortSetting>();
  for (const setting of PORT_SETTINGS) {
    const port = options.ports[setting.service];
    const other = seen.get(port);
    if (other) {
      throw new UsageError(
        `the ${other.title} and the ${setting.title} cannot share port ${port}: give one of them another (${other.env} or ${setting.env})`,
      );
    }
    seen.set(port, setting);
  }
  return options;
}
