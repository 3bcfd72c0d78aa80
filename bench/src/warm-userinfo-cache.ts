import { callEachOnce } from './call-each-once';

/**
 * Warms a server's userinfo cache (and its JIT) with one call per existing user's token, no more
 * often than needed: `pointMs` is the longest one load point can take, a retry included.
 */
export function createUserinfoWarmer(
  tokens: string[],
  pointMs: number,
): (origin: string) => Promise<void> {
  // Userinfo entries live 30 s from when they were fetched, and a pass over every token only
  // refetches the ones that have expired: a pass while entries are still valid leaves them to
  // expire mid-run, sending part of a point's calls to the issuer. So a pass is skipped while
  // the last one's entries outlast the next point (a retry included), and otherwise runs only
  // once every entry has expired.
  const USERINFO_TTL_MS = 30_000;
  const warmed = new Map<string, { startedAt: number; endedAt: number }>();
  return async (origin: string): Promise<void> => {
    const last = warmed.get(origin);
    if (last !== undefined) {
      if (performance.now() - last.startedAt + pointMs < USERINFO_TTL_MS) return;
      const expired = last.endedAt + USERINFO_TTL_MS + 100 - performance.now();
      if (expired > 0) await new Promise((resolve) => setTimeout(resolve, expired));
    }
    const startedAt = performance.now();
    await callEachOnce(origin, tokens);
    warmed.set(origin, { startedAt, endedAt: performance.now() });
  };
}
