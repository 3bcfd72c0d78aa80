import {
  INTROSPECTION_CLIENT,
  startTestIssuer,
  type TestIssuer,
} from '@liverty-music/backend/testing';
import { freePort } from '@liverty-music/test-support/free-port';
import { waitUntil } from '@liverty-music/test-support/wait-until';
import { afterAll, beforeAll, expect } from 'vitest';
import { type RunningBackend, startBackend } from './backend-process';
import { callUserService, createDispatcher, USER_SERVICE_PATH } from './call-backend';
import { describeOutcome, FRAME, h2Request, openH2c, type RawConnection } from './h2c-client';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database';

// The API port under attack at the protocol level (issue 21, docs/decisions/028 and 031): bad
// authorities and pseudo-headers, thousands of calls abandoned mid-body, trickling streams,
// oversized frames and header blocks, and a burst of junk bearer tokens. After each: the process
// is alive, its connection count (liverty_http_open_connections, read from the metrics
// listener) is back to the baseline, and a real user is served over HTTP/1.1 and h2c.
export const HEADERS_TIMEOUT_MS = 1500;
export const REQUEST_TIMEOUT_MS = 3000;
const KEEP_ALIVE_TIMEOUT_MS = 1000;
export const INTROSPECTION_PER_SECOND = 20;
export const GET_ME = `${USER_SERVICE_PATH}/GetMe`;
const GET_OR_CREATE = `${USER_SERVICE_PATH}/GetOrCreate`;
export const profile = {
  sub: '336494809936035999',
  email: 'hostile@example.com',
  name: 'Real User',
};
const BASELINE_CONNECTIONS = 0;

export interface HostileNetworkTarget {
  issuer: TestIssuer;
  backend: RunningBackend;
  scrape(): Promise<string>;
  /** Alive, connection count back to the baseline, and a real user served. */
  expectRecovered(what: string): Promise<void>;
}

/**
 * A backend with tight HTTP timeouts, a small introspection budget and a metrics listener, for
 * the case file: started (and checked to serve a real user) before its first test, stopped after
 * its last. Read `issuer` and `backend` inside tests (they are set in beforeAll).
 */
export function hostileNetworkTarget(): HostileNetworkTarget {
  let issuer: TestIssuer;
  let database: ScratchDatabase;
  let backend: RunningBackend;
  let metricsUrl: string;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    database = await createScratchDatabase();
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    backend = await startBackend({
      databaseUrl: database.url,
      issuer: issuer.issuer,
      audience: issuer.audience,
      env: {
        METRICS_PORT: String(metricsPort),
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
        OIDC_INTROSPECTION_CLIENT_ID: INTROSPECTION_CLIENT.clientId,
        OIDC_INTROSPECTION_CLIENT_SECRET: INTROSPECTION_CLIENT.clientSecret,
        OIDC_INTROSPECTION_MAX_PER_SECOND: String(INTROSPECTION_PER_SECOND),
        OIDC_INTROSPECTION_MAX_CONCURRENT: '8',
        // Refusals are logged at info: the junk burst checks that their lines are rationed.
        LOG_LEVEL: 'info',
      },
    });
    await expectRecovered('start-up');
  });

  afterAll(async () => {
    await backend?.stop();
    await issuer?.close();
    await database?.drop();
  });

  async function scrape(): Promise<string> {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
    return response.text();
  }

  const openConnections = async () => metric(await scrape(), 'liverty_http_open_connections');

  /** A real GetOrCreate with a real token from the test issuer, over HTTP/1.1 and over h2c. */
  async function expectRealUserServed(what: string): Promise<void> {
    const token = await issuer.issue(profile);
    const dispatcher = createDispatcher(1);
    try {
      const http1 = await callUserService(backend.baseUrl, 'GetOrCreate', {
        token,
        timeoutMs: 10_000,
        dispatcher,
      });
      expect(http1.status, `${what}: HTTP/1.1 GetOrCreate ${JSON.stringify(http1)}`).toBe(200);
      expect((http1.json as { user?: { zitadelUserId?: string } }).user?.zitadelUserId).toBe(
        profile.sub,
      );
    } finally {
      await dispatcher.close();
    }
    const session = await openH2c(backend.baseUrl);
    try {
      const h2 = await h2Request(
        session,
        {
          ':method': 'POST',
          ':path': GET_OR_CREATE,
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
        },
        '{}',
        10_000,
      );
      expect(h2.status, `${what}: h2c GetOrCreate ${describeOutcome(h2)}`).toBe(200);
      expect(JSON.parse(h2.body ?? '{}').user?.zitadelUserId).toBe(profile.sub);
    } finally {
      session.close();
    }
  }

  async function expectRecovered(what: string): Promise<void> {
    expect(backend.isAlive(), `${what}: the backend exited\n${backend.output()}`).toBe(true);
    await waitUntil(
      `${what}: open connections back to ${BASELINE_CONNECTIONS}`,
      async () => (await openConnections()) === BASELINE_CONNECTIONS,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    await expectRealUserServed(what);
    expect(backend.isAlive()).toBe(true);
  }

  return {
    get issuer() {
      return issuer;
    },
    get backend() {
      return backend;
    },
    scrape,
    expectRecovered,
  };
}

/** A value from a Prometheus text scrape; NaN when the series is absent. */
export function metric(text: string, pattern: string): number {
  const match = new RegExp(`^${pattern} (\\S+)$`, 'm').exec(text);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

/** Waits until a raw connection sees a reaction: a frame on `streamId`, a GOAWAY, or a close. */
export async function reaction(connection: RawConnection, streamId: number, timeoutMs: number) {
  let closed = false;
  void connection.closed.then(() => {
    closed = true;
  });
  return waitUntil(
    'a reaction from the server',
    () => {
      const seen = connection.frames();
      const onStream = seen.find((entry) => entry.streamId === streamId);
      if (onStream) return `frame type ${onStream.type} code ${onStream.code ?? '-'}`;
      const goaway = seen.find((entry) => entry.type === FRAME.GOAWAY);
      if (goaway) return `GOAWAY code ${goaway.code}`;
      return closed ? 'connection closed' : undefined;
    },
    { timeoutMs, intervalMs: 20 },
  );
}
