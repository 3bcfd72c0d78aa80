import { once } from 'node:events';
import { connect } from 'node:net';
import { newUserId, sign, startTestIssuer, type TestIssuer } from '@liverty-music/backend/testing';
import { waitUntil } from '@liverty-music/test-support/wait-until';
import fc from 'fast-check';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBackend, startBackend } from './support/backend-process';
import {
  createDispatcher,
  deliverWebhook,
  type Exchange,
  probe,
  send,
  USER_SERVICE_PATH,
} from './support/call-backend';
import { createTally } from './support/fault-tally';
import {
  judge,
  protocolAnswers,
  UNSTORABLE_EVENT_BUG,
  type Verdict,
} from './support/judge-fuzzed-answer';
import { type FuzzRequest, fuzzRequests } from './support/request-arbitraries';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { suiteSeed } from './support/seeded-random';
import { sendTruncated } from './support/send-truncated';

// Random and hostile requests against a running backend: random JSON, random protobuf, bytes,
// truncated and oversized bodies, a gzip bomb, wrong content types, garbage credentials and
// signatures, bodies cut off on the wire. The backend must stay up, answer nothing with a 5xx
// (but 503 `unavailable`), accept only what carries real credentials, and hold its memory.
const tally = createTally('fuzzer');
const seed = suiteSeed();
const SIGNING_KEY = 'faults-fuzz-signing-key';
const WARM_UP_REQUESTS = 300;
const FUZZ_RUNS = 2500;
const BURST_REQUESTS = 200;
const REQUEST_BOUND_MS = 10_000;
/** The /healthz asked on the same connection right after each request. */
const FOLLOW_UP_BOUND_MS = 3_000;
/** RSS may grow this much between the warm-up and the end: heap growth, not a leak per request. */
const RSS_GROWTH_BOUND_KIB = 96 * 1024;

let issuer: TestIssuer;
let database: ScratchDatabase;
let backend: RunningBackend;
const dispatcher = createDispatcher(256);
const allowedSubjects = new Set<string>();

beforeAll(async () => {
  issuer = await startTestIssuer();
  database = await createScratchDatabase();
  backend = await startBackend({
    databaseUrl: database.url,
    issuer: issuer.issuer,
    audience: issuer.audience,
    webhookSigningKeys: [SIGNING_KEY],
  });
});

afterAll(async () => {
  await backend?.stop();
  await dispatcher.close();
  await issuer?.close();
  await database?.drop();
});

/**
 * Sends one request on its own connection, then asks that same connection for /healthz: a
 * request that leaves a keep-alive connection unable to answer the next one (a reverse proxy
 * would hand it to another user) is caught here, and blamed on the right request.
 */
async function fire(request: FuzzRequest): Promise<Verdict> {
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

  // Was a bug (connect-es answers `internal`); the backend corrects that one answer to 400.
  it('answers an undecodable binary body with a 4xx, not 500', async () => {
    // Tag 1 with wire type 7, which does not exist: no credentials needed.
    const exchange = await send(backend.baseUrl, `${USER_SERVICE_PATH}/GetOrCreate`, {
      headers: { 'content-type': 'application/proto' },
      body: Uint8Array.of(0x0f),
      timeoutMs: REQUEST_BOUND_MS,
      dispatcher,
    });
    expect(exchange.status).toBeLessThan(500);
  });

  // Was a bug: an unread body wedged the keep-alive connection. Over a raw socket so nothing
  // reconnects behind the test's back.
  it('still answers on a keep-alive connection after an oversized gRPC request', async () => {
    const answered = await answersAfterOversizedGrpc(backend.baseUrl);
    expect(answered).toBe(true);
  });
  // Was a bug (500, and a poison page for the reconciler): unstorable text is now stripped.
  it('accepts a signed event holding a NUL character without a 5xx', async () => {
    const body = JSON.stringify({
      aggregateID: newUserId(),
      aggregateType: 'user',
      sequence: 1,
      event_type: 'user.human.added',
      created_at: new Date().toISOString(),
      event_payload: { email: 'nul\u0000@example.com' },
    });
    const exchange = await deliverWebhook(backend.baseUrl, body, sign(body, SIGNING_KEY), {
      timeoutMs: REQUEST_BOUND_MS,
      dispatcher,
    });
    expect(exchange.status).toBeLessThan(500);
  });

  // org.removed (issue 22) removes every user of an organisation: a hostile or broken one must
  // neither crash the server nor remove anyone outside the organisation it names.
  it('survives hostile signed org.removed events, and removes nobody outside the org', async () => {
    const bystander = newUserId();
    await database.sql`insert into users (zitadel_user_id, org_id, email) values (${bystander}, '336392597046099971', 'bystander@example.com')`;
    const orgRemoved = (aggregateID: unknown, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        aggregateID,
        aggregateType: 'org',
        sequence: 1,
        event_type: 'org.removed',
        created_at: new Date().toISOString(),
        ...extra,
      });
    const hostile = [
      orgRemoved('x'.repeat(10_000)), // an id no organisation has: out of range
      orgRemoved('org\u0000336392597046099971'), // NUL: Postgres cannot store it
      orgRemoved(''), // no id
      orgRemoved(336392597), // a number, not a string
      orgRemoved('336392597046099971x'), // almost the bystander's org
      orgRemoved('%'), // a LIKE wildcard, in case anyone matches by pattern
      orgRemoved('1', { sequence: -1 }),
      orgRemoved('1', { created_at: 'yesterday' }),
      orgRemoved('1', { event_payload: 'not base64 json' }),
    ];
    // And a flood of well-formed removals of organisations nobody belongs to, all at once.
    for (let i = 0; i < 100; i++) hostile.push(orgRemoved(`9${String(i).padStart(17, '0')}`));
    const statuses = await Promise.all(
      hostile.map(async (body) => {
        const exchange = await deliverWebhook(backend.baseUrl, body, sign(body, SIGNING_KEY), {
          timeoutMs: REQUEST_BOUND_MS,
          dispatcher,
        });
        return exchange.status;
      }),
    );
    expect(statuses.filter((status) => status === 0 || status >= 500)).toEqual([]);
    expect(statuses.slice(0, 4).every((status) => status === 400)).toBe(true);
    const [row] = await database.sql<{ state: string; email: string | null }[]>`
      select state, email from users where zitadel_user_id = ${bystander}`;
    expect(row).toEqual({ state: 'active', email: 'bystander@example.com' });
  });
});

/**
 * Sends a 256 KiB gRPC request, then GET /healthz on the same socket: true if that is answered.
 * (Below ~128 KiB the unread rest still fits the socket buffers and the connection recovers.)
 */
async function answersAfterOversizedGrpc(baseUrl: string): Promise<boolean> {
  const { port, hostname } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  const size = 256 * 1024;
  socket.write(
    `POST ${USER_SERVICE_PATH}/GetMe HTTP/1.1\r\nHost: ${hostname}\r\ncontent-type: application/grpc\r\ncontent-length: ${size}\r\n\r\n`,
  );
  socket.write(Buffer.alloc(size, 0x41));
  try {
    await waitUntil('the gRPC answer', () => received.startsWith('HTTP/1.1'), { timeoutMs: 5_000 });
    received = '';
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    await waitUntil(
      'the /healthz answer on the same connection',
      () => received.includes('alive'),
      {
        timeoutMs: FOLLOW_UP_BOUND_MS,
      },
    );
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}
