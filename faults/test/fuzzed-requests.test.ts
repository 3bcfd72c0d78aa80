import { newUserId } from '@liverty-music/backend/testing';
import fc from 'fast-check';
import { Client } from 'undici';
import { describe, expect, it } from 'vitest';
import { type Exchange, probe, send } from './support/call-backend';
import { createTally } from './support/fault-tally';
import {
  FOLLOW_UP_BOUND_MS,
  fuzzTarget,
  REQUEST_BOUND_MS,
  SIGNING_KEY,
} from './support/fuzz-target';
import {
  judge,
  protocolAnswers,
  UNSTORABLE_EVENT_BUG,
  type Verdict,
} from './support/judge-fuzzed-answer';
import { type FuzzRequest, fuzzRequests } from './support/request-arbitraries';
import { suiteSeed } from './support/seeded-random';
import { sendTruncated } from './support/send-truncated';

// Random and hostile requests against a running backend: random JSON, random protobuf, bytes,
// truncated and oversized bodies, a gzip bomb, wrong content types, garbage credentials and
// signatures, bodies cut off on the wire. The backend must stay up, answer nothing with a 5xx
// (but 503 `unavailable`), accept only what carries real credentials, and hold its memory.
const tally = createTally('fuzzer');
const seed = suiteSeed();
const WARM_UP_REQUESTS = 300;
const FUZZ_RUNS = 2500;
const BURST_REQUESTS = 200;
/** RSS may grow this much between the warm-up and the end: heap growth, not a leak per request. */
const RSS_GROWTH_BOUND_KIB = 96 * 1024;
const target = fuzzTarget();
const allowedSubjects = new Set<string>();

/**
 * Sends one request on its own connection, then asks that same connection for /healthz: a
 * request that leaves a keep-alive connection unable to answer the next one (a reverse proxy
 * would hand it to another user) is caught here, and blamed on the right request.
 */
async function fire(request: FuzzRequest): Promise<Verdict> {
  const { backend } = target;
  for (const sub of request.mayCreate) allowedSubjects.add(sub);
  let exchange: Exchange;
  let wedged = false;
  if (request.declaredLength !== undefined) {
    const started = performance.now();
    const raw = await sendTruncated(backend.baseUrl, request.path, {
      headers: request.headers,
      body: request.body,
      declaredLength: request.declaredLength,
      timeoutMs: REQUEST_BOUND_MS,
    });
    exchange = {
      status: raw.status,
      failure: raw.closedByServer
        ? 'closed by the server'
        : `no answer within ${REQUEST_BOUND_MS} ms`,
      ms: performance.now() - started,
    };
  } else {
    const connection = new Client(backend.baseUrl, { pipelining: 1 });
    try {
      exchange = await send(backend.baseUrl, request.path, {
        method: request.method,
        headers: request.headers,
        body: request.method === 'GET' ? undefined : request.body,
        timeoutMs: REQUEST_BOUND_MS,
        dispatcher: connection,
      });
      if (exchange.status !== 0) {
        // A connection the server closed is reopened by the client: only a silent one fails.
        const next = await send(backend.baseUrl, '/healthz', {
          method: 'GET',
          timeoutMs: FOLLOW_UP_BOUND_MS,
          dispatcher: connection,
        });
        wedged = next.status !== 200;
      }
    } finally {
      await connection.destroy();
    }
  }
  const verdict = judge(request, exchange, wedged);
  if (verdict.verdict === 'accepted') tally.accepted();
  else if (verdict.verdict === 'rejected') tally.rejected();
  else if (verdict.verdict === 'known bug') {
    tally.knownBug(verdict.bug, `${verdict.why} for ${request.label}`);
  } else {
    // The backend's own account of a 5xx, when it logged one.
    const logged = exchange.status >= 500 ? backend.errorLines().at(-1)?.slice(0, 600) : undefined;
    tally.unexpected(
      `${verdict.why} for ${request.label}${logged ? ` — backend logged: ${logged}` : ''}`,
    );
  }
  return verdict;
}

describe('fuzzed requests to the RPC and webhook endpoints', () => {
  it('no crash, no 5xx but unavailable, nothing accepted without credentials, memory stable', async () => {
    const { issuer, backend, database } = target;
    tally.note(`seed ${seed} (FAULTS_SEED replays the requests)`);
    const tokens = await Promise.all(
      Array.from({ length: 8 }, async (_, index) => {
        const sub = newUserId();
        const token = await issuer.issue({
          sub,
          email: `fuzz-${index}@example.com`,
          name: `Fuzz ${index}`,
        });
        return { token, sub };
      }),
    );
    const requests = fuzzRequests({ tokens, signingKey: SIGNING_KEY });

    // Warm-up: JIT, pools and caches settle before the memory baseline is taken.
    const rssAtStart = backend.rssKiB();
    for (const request of fc.sample(requests, { numRuns: WARM_UP_REQUESTS, seed })) {
      const verdict = await fire(request);
      expect(verdict, request.label).not.toMatchObject({ verdict: 'unexpected' });
    }
    const rssAfterWarmUp = backend.rssKiB();

    let runs = 0;
    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        const verdict = await fire(request);
        if (verdict.verdict === 'unexpected') throw new Error(`${verdict.why}: ${request.label}`);
        if (++runs % 250 === 0 && (await probe(backend.baseUrl, '/healthz')) !== 200) {
          throw new Error(`backend stopped answering /healthz after: ${request.label}`);
        }
      }),
      {
        numRuns: FUZZ_RUNS,
        seed: seed + 1,
        // Each request is bounded; this bounds the run (and any shrinking) as a whole.
        interruptAfterTimeLimit: 150_000,
        markInterruptAsFailure: true,
      },
    );

    // The same kind of traffic, all at once.
    const burst = await Promise.all(
      fc.sample(requests, { numRuns: BURST_REQUESTS, seed: seed + 2 }).map(async (request) => ({
        request,
        verdict: await fire(request),
      })),
    );
    expect(
      burst.flatMap(({ request, verdict }) =>
        verdict.verdict === 'unexpected' ? [`${verdict.why}: ${request.label}`] : [],
      ),
    ).toEqual([]);

    expect(backend.isAlive()).toBe(true);
    expect(await probe(backend.baseUrl, '/healthz')).toBe(200);
    expect(await probe(backend.baseUrl, '/readyz')).toBe(200);
    const rssAtEnd = backend.rssKiB();
    tally.note(
      `RSS ${Math.round(rssAtStart / 1024)} MiB at start, ${Math.round(rssAfterWarmUp / 1024)} MiB after ${WARM_UP_REQUESTS} warm-up requests, ` +
        `${Math.round(rssAtEnd / 1024)} MiB after ${FUZZ_RUNS + BURST_REQUESTS} more (bound +${RSS_GROWTH_BOUND_KIB / 1024} MiB); ` +
        `${protocolAnswers.count} protocol answers (501 unknown compression, 504 client deadline)`,
    );
    expect(rssAtEnd - rssAfterWarmUp, 'RSS growth in KiB').toBeLessThan(RSS_GROWTH_BOUND_KIB);

    // Rows only for credentialed callers and validly signed events.
    const rows = await database.sql<
      { zitadel_user_id: string }[]
    >`select zitadel_user_id from users`;
    const stray = rows.filter((row) => !allowedSubjects.has(row.zitadel_user_id));
    tally.counts.rowsExtra += stray.length;
    expect(stray).toEqual([]);
    // Error-level lines only for the known unstorable-event bug (the webhook logs each one).
    const unstorable = tally.counts.knownBugs[UNSTORABLE_EVENT_BUG]?.count ?? 0;
    const errors = backend.errorLines();
    const explained = errors.filter((line) => line.includes('"msg":"webhook event failed"'));
    expect(explained.length).toBeLessThanOrEqual(unstorable);
    expect(
      errors.filter((line) => !explained.includes(line)),
      'error-level log lines',
    ).toEqual([]);
  }, 240_000);
});
