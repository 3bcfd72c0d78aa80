import { type Checkout, THIS_CHECKOUT } from './bench-config';
import { startCpuMeter } from './measure-cpu';
import { startChildService } from './start-child-service';

/** `tsx src/cli/sync-backfill.ts` as an operator runs it; times from its own summary line. */
export async function runBackfillCli(options: {
  databaseUrl: string;
  apiUrl: string;
  pat: string;
  cores: number;
  /** Node flags (e.g. --cpu-prof): node then runs the CLI with tsx as an import hook. */
  nodeArgs?: string[];
  /** Another checkout's backend, for a same-run A/B of two builds (default: this one). */
  checkout?: Checkout;
}) {
  const { backendDir, tsx } = options.checkout ?? THIS_CHECKOUT;
  const started = performance.now();
  const cli = await startChildService({
    name: 'sync-backfill',
    command: options.nodeArgs ? process.execPath : tsx,
    args: options.nodeArgs
      ? [...options.nodeArgs, '--import', 'tsx', 'src/cli/sync-backfill.ts']
      : ['src/cli/sync-backfill.ts'],
    cwd: backendDir,
    env: {
      DATABASE_URL: options.databaseUrl,
      ZITADEL_API_URL: options.apiUrl,
      ZITADEL_PAT: options.pat,
    },
  });
  const meter = startCpuMeter({ 'backfill CLI': [cli.pgid] }, options.cores);
  const code = await cli.exited;
  const cpu = meter.stop();
  const wallSeconds = (performance.now() - started) / 1000;
  const output = cli.output();
  const summary = /backfill complete: (\d+) events read, .* in ([\d.]+) s/.exec(output);
  if (code !== 0 || !summary) throw new Error(`sync-backfill exited ${code}:\n${output}`);
  return { cpu, wallSeconds, backfillSeconds: Number(summary[2]), summary: summary[0] };
}
