import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progress } from './progress-log';
import type { LoadResult } from './run-closed-loop';
import { createSampleBuffer, summarizeLatency } from './summarize-latency';

export interface PgbenchOptions {
  databaseUrl: string;
  script: string;
  concurrency: number;
  seconds: number;
  /** `-D name=value` variables, e.g. a per-run base for never-seen ids. */
  define?: Record<string, string>;
  /** Throttle to this many transactions per second (`-R`): an open loop, like runOpenLoop. */
  rate?: number;
}

/**
 * pgbench with the given script at `-c concurrency -j ≤2`, prepared statements, and a
 * per-transaction log for the
 * percentiles (with `-R`, latency counts from the scheduled start, lag included).
 */
export async function runPgbench(options: PgbenchOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pgbench-'));
  try {
    const scriptFile = join(dir, 'script.sql');
    writeFileSync(scriptFile, options.script);
    const url = new URL(options.databaseUrl);
    const args = [
      '-h',
      url.hostname,
      '-p',
      url.port || '5432',
      '-U',
      decodeURIComponent(url.username || 'postgres'),
      '-n', // no pgbench_* tables to vacuum
      '-M',
      'prepared', // parsed and planned once per connection, as the backend's postgres.js does
      ...(options.rate ? ['-R', String(options.rate)] : []),
      '-c',
      String(options.concurrency),
      '-j',
      String(Math.min(2, options.concurrency)),
      '-T',
      String(options.seconds),
      '-f',
      scriptFile,
      '--log',
      `--log-prefix=${join(dir, 'tx')}`,
      ...Object.entries(options.define ?? {}).flatMap(([name, value]) => [
        '-D',
        `${name}=${value}`,
      ]),
      decodeURIComponent(url.pathname.slice(1)),
    ];
    const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) || undefined };
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('pgbench', args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}:\n${text}`)),
      );
    });

    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1]);
    const failed = Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0);
    if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${output}`);
    // Log lines: client_id transaction_no latency_us script_no epoch_s epoch_us [schedule_lag_us]
    const latencies = createSampleBuffer();
    for (const file of readdirSync(dir).filter((name) => name.startsWith('tx.'))) {
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
        if (line === '') continue;
        const fields = line.split(' ');
        // With -R pgbench already counts latency from the scheduled start (lag included).
        const micros = Number(fields[2]);
        if (Number.isFinite(micros)) latencies.push(micros / 1000);
      }
    }
    return {
      requests: latencies.length + failed,
      errors: failed,
      seconds: options.seconds,
      throughput: tps,
      errorSamples: failed > 0 ? [`${failed} failed transactions`] : [],
      ...summarizeLatency(latencies.values()),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * pgbench needs one connection per client, and on a Postgres shared with other work there may be
 * none left. Such a point is reported missing instead of failing the whole section.
 */
export async function unlessPostgresIsFull<T>(
  label: string,
  run: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!message.includes('too many clients')) throw error;
    progress(`  ${label}: not measured, Postgres had no connection slots left for it`);
    return undefined;
  }
}
