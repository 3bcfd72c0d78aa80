import { runClosedLoop } from './run-closed-loop';

/**
 * Calls GetOrCreate once with each token, `concurrency` at a time. Provisions the users on first
 * use; afterwards it refills the backend's userinfo cache (30 s) and warms the JIT before a run.
 */
export async function callEachOnce(origin: string, tokens: string[], concurrency = 16) {
  let index = 0;
  const result = await runClosedLoop({
    origins: [origin],
    concurrency,
    seconds: 600,
    nextToken: () => tokens[index++],
  });
  if (result.errors > 0) {
    throw new Error(`warm-up calls failed (${result.errors}): ${result.errorSamples.join('; ')}`);
  }
}
