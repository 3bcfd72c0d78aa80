import { type Dispatcher, Pool } from 'undici';
import { getOrCreateRequest } from './get-or-create-request';
import type { LoadResult } from './run-closed-loop';
import { createSampleBuffer, summarizeLatency } from './summarize-latency';

export interface OpenLoopOptions {
  origin: string;
  /** Calls per second, sent on schedule whether or not earlier ones have answered. */
  rate: number;
  seconds: number;
  connections: number;
  nextToken: () => string | undefined;
  /** The request for one item; default a GetOrCreate call with the item as its token. */
  request?: (item: string) => Dispatcher.RequestOptions;
  /** Statuses that count as answered; default 200 only. */
  accept?: (status: number) => boolean;
}

/**
 * Open loop at a constant rate. Each call's latency counts from when it was due, not when it was
 * sent, so a stall shows up in the percentiles instead of silently lowering the rate
 * (coordinated omission).
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<LoadResult> {
  const pool = new Pool(options.origin, { connections: options.connections, pipelining: 1 });
  const latencies = createSampleBuffer();
  const errorSamples: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let errors = 0;
  let scheduled = 0;
  const total = Math.floor(options.rate * options.seconds);
  const intervalMs = 1000 / options.rate;
  const request = options.request ?? getOrCreateRequest;
  const accept = options.accept ?? ((status: number) => status === 200);
  const started = performance.now();

  const send = (dueAt: number, token: string) => {
    const call = pool
      .request(request(token))
      .then(async (response) => {
        const body = await response.body.text();
        if (accept(response.statusCode)) latencies.push(performance.now() - dueAt);
        else {
          errors++;
          if (errorSamples.length < 3) errorSamples.push(`${response.statusCode} ${body}`);
        }
      })
      .catch((error: unknown) => {
        errors++;
        if (errorSamples.length < 3) errorSamples.push(String(error));
      })
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
  };

  // Timers fire at best every millisecond: each tick sends every call that has come due.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (scheduled < total && started + scheduled * intervalMs <= now) {
        const token = options.nextToken();
        if (token === undefined) {
          scheduled = total;
          break;
        }
        send(started + scheduled * intervalMs, token);
        scheduled++;
      }
      if (scheduled >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return {
    requests: latencies.length + errors,
    errors,
    seconds,
    throughput: latencies.length / seconds,
    errorSamples,
    ...summarizeLatency(latencies.values()),
  };
}
