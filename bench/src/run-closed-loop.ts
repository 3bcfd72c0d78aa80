import { Pool } from 'undici';
import { getOrCreateRequest } from './get-or-create-request';
import { createSampleBuffer, type LatencySummary, summarizeLatency } from './summarize-latency';

export interface LoadResult extends LatencySummary {
  requests: number;
  errors: number;
  seconds: number;
  /** Successful calls per second. */
  throughput: number;
  /** The first few failures, to show in the report when there are any. */
  errorSamples: string[];
}

export interface ClosedLoopOptions {
  /** Backends to spread calls over, round-robin (one keep-alive pool each). */
  origins: string[];
  concurrency: number;
  seconds: number;
  /** The token for the next call; undefined when the supply is used up (ends the run early). */
  nextToken: () => string | undefined;
}

/**
 * Closed loop: `concurrency` callers, each sending its next call as soon as the previous one
 * answers, over keep-alive connections. Measures the throughput a fixed number of clients gets.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const perOrigin = Math.ceil(options.concurrency / options.origins.length);
  const pools = options.origins.map(
    (origin) => new Pool(origin, { connections: perOrigin, pipelining: 1 }),
  );
  const latencies = createSampleBuffer();
  const errorSamples: string[] = [];
  let errors = 0;
  let turn = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;

  async function caller() {
    while (performance.now() < deadline) {
      const token = options.nextToken();
      if (token === undefined) return;
      const pool = pools[turn++ % pools.length] as Pool;
      const sent = performance.now();
      try {
        const response = await pool.request(getOrCreateRequest(token));
        const body = await response.body.text();
        if (response.statusCode === 200) {
          latencies.push(performance.now() - sent);
        } else {
          errors++;
          if (errorSamples.length < 3) errorSamples.push(`${response.statusCode} ${body}`);
        }
      } catch (error) {
        errors++;
        if (errorSamples.length < 3) errorSamples.push(String(error));
      }
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, caller));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(pools.map((pool) => pool.close()));
  return {
    requests: latencies.length + errors,
    errors,
    seconds,
    throughput: latencies.length / seconds,
    errorSamples,
    ...summarizeLatency(latencies.values()),
  };
}
