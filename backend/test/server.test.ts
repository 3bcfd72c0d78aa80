import { Code, ConnectError } from '@connectrpc/connect';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open-database';
import { users } from '../src/db/schema';
import { backendUnderTest } from './support/backend-under-test';
import { APP_ORIGIN, startTestServer } from './support/start-test-server';
import { createTestDatabase } from './support/test-databases';
import { startTestIssuer, type TestIssuer } from './support/test-issuer';

describe('backend over HTTP', () => {
  const backend = backendUnderTest();

  const rowCount = async () =>
    (await backend.database.handle.db.select({ n: count() }).from(users))[0]?.n;

  it('serves GetOrCreate in the Connect binary format too', async () => {
    const token = await backend.issuer.issue({
      sub: '336494809936035901',
      email: 'bin@example.com',
    });
    const response = await backend.server
      .client({ binary: true })
      .getOrCreate({ isRegistration: true }, { headers: { authorization: `Bearer ${token}` } });
    expect(response.created).toBe(true);
    expect(response.user?.email).toBe('bin@example.com');
    expect(response.user?.createdAt?.seconds).toBeGreaterThan(0n);
  });

  it('reports "welcome back" data on a second call: created false, same id', async () => {
    const token = await backend.issuer.issue({ sub: '336494809936035902', name: 'Ada Lovelace' });
    const headers = { authorization: `Bearer ${token}` };
    const first = await backend.server.client().getOrCreate({ isRegistration: true }, { headers });
    const second = await backend.server.client().getOrCreate({ isRegistration: true }, { headers });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.user?.id).toBe(first.user?.id);
    expect(second.user?.displayName).toBe('Ada Lovelace');
  });

  it('answers a returning user from memory only while userinfo says what the row holds', async () => {
    // Tried: the same person signs in again after changing their email at the issuer; the row
    // in memory must not answer with the old one.
    const sub = '336494809936035961';
    const headers = async (email: string) => ({
      authorization: `Bearer ${await backend.issuer.issue({ sub, email })}`,
    });
    const first = await backend.server
      .client()
      .getOrCreate({}, { headers: await headers('before@example.com') });
    const again = await backend.server
      .client()
      .getOrCreate({}, { headers: await headers('after@example.com') });
    expect(first.user?.email).toBe('before@example.com');
    expect(again.user?.email).toBe('after@example.com');
    expect(again.user?.id).toBe(first.user?.id);
  });

  it('ignores identity fields smuggled into the JSON body', async () => {
    const token = await backend.issuer.issue({
      sub: '336494809936035903',
      email: 'real@example.com',
    });
    const before = await rowCount();
    const response = await fetch(
      `${backend.server.baseUrl}/liverty_music.user.v1.UserService/GetOrCreate`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        // Identity smuggled in as unknown fields: ignored, never trusted.
        body: JSON.stringify({
          isRegistration: true,
          zitadelUserId: '1',
          email: 'evil@example.com',
        }),
      },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: { zitadelUserId: string; email: string } };
    expect(body.user).toMatchObject({
      zitadelUserId: '336494809936035903',
      email: 'real@example.com',
    });
    expect(await rowCount()).toBe((before ?? 0) + 1);
  });

  it.each([
    ['a body that is not JSON', '{"isRegistration": tru'],
    ['a wrong type for is_registration', '{"isRegistration": "yes"}'],
    ['a JSON array', '[]'],
  ])('answers invalid_argument, never a 500, for %s', async (_what, body) => {
    const token = await backend.issuer.issue({ sub: '336494809936035904' });
    const before = await rowCount();
    const response = await fetch(
      `${backend.server.baseUrl}/liverty_music.user.v1.UserService/GetOrCreate`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      },
    );
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(text).code).toBe('invalid_argument');
    expect(text).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(await rowCount()).toBe(before);
  });

  it.each([
    ['an undecodable binary body', Buffer.from([0x0f])],
    ['a truncated binary body', Buffer.from([0x08])],
  ])('answers invalid_argument, never a 500, for %s', async (_what, body) => {
    const token = await backend.issuer.issue({ sub: '336494809936035907' });
    const before = await rowCount();
    const response = await fetch(
      `${backend.server.baseUrl}/liverty_music.user.v1.UserService/GetOrCreate`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/proto', authorization: `Bearer ${token}` },
        body,
      },
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('invalid_argument');
    expect(await rowCount()).toBe(before);
  });

  // The plain HTTP endpoints answer 413 (webhook.test.ts); RPCs are Connect's.
  it('rejects an RPC body over the size cap with resource_exhausted', async () => {
    const response = await fetch(
      `${backend.server.baseUrl}/liverty_music.user.v1.UserService/GetOrCreate`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"isRegistration": true, "x": "${'a'.repeat(100_000)}"}`,
      },
    );
    expect(response.status).toBe(429);
    expect(((await response.json()) as { code: string }).code).toBe('resource_exhausted');
  });

  it('asks userinfo once for a token retried several times (brief cache)', async () => {
    const token = await backend.issuer.issue({
      sub: '336494809936035905',
      email: 'cache@example.com',
    });
    const before = backend.issuer.counts.userinfo;
    for (let i = 0; i < 3; i++) {
      await backend.server
        .client()
        .getOrCreate({}, { headers: { authorization: `Bearer ${token}` } });
    }
    expect(backend.issuer.counts.userinfo - before).toBe(1);
  });

  it('refetches the key set on an unknown kid at most once per cooldown', async () => {
    const before = backend.issuer.counts.jwks;
    for (let i = 0; i < 5; i++) {
      const forged = await backend.issuer.issue(
        { sub: '1' },
        { kid: `forged-${i}`, useOtherKey: true },
      );
      const error = await backend.server
        .client()
        .getOrCreate({}, { headers: { authorization: `Bearer ${forged}` } })
        .catch((caught: unknown) => caught);
      expect((error as ConnectError).code).toBe(Code.Unauthenticated);
    }
    expect(backend.issuer.counts.jwks - before).toBeLessThanOrEqual(1);
  });

  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${backend.server.baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${backend.server.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('allows CORS preflight from the configured origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${backend.server.baseUrl}/liverty_music.user.v1.UserService/GetOrCreate`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,connect-protocol-version',
        },
      });
    const allowed = await preflight(APP_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/Authorization/);

    const denied = await preflight('https://evil.example.com');
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('exposes metrics on their own port only, counting outcome and is_registration apart', async () => {
    expect((await fetch(`${backend.server.baseUrl}/metrics`)).status).toBe(404);
    // Every series by its exact labels; a swap of created and is_registration moves the counts.
    const counts = async () => {
      const body = await (await fetch(backend.server.metricsUrl)).text();
      const read = (created: boolean, registration: boolean) => {
        const line = `liverty_get_or_create_total{created="${created}",is_registration="${registration}"} `;
        const found = body.split('\n').find((each) => each.startsWith(line));
        return found === undefined ? undefined : Number(found.slice(line.length));
      };
      return [read(false, false), read(false, true), read(true, false), read(true, true)];
    };
    const before = await counts();
    // Tried: two calls that both say they are no registration; only the first one creates.
    const token = await backend.issuer.issue({ sub: '336494809936035960' });
    const headers = { authorization: `Bearer ${token}` };
    await backend.server.client().getOrCreate({ isRegistration: false }, { headers });
    await backend.server.client().getOrCreate({ isRegistration: false }, { headers });
    const after = await counts();
    // [created=false/hint=false, created=false/hint=true, created=true/hint=false, created=true/hint=true]
    expect(before.every((value) => typeof value === 'number')).toBe(true);
    expect(after.map((value, index) => (value ?? Number.NaN) - (before[index] ?? 0))).toEqual([
      1, 0, 1, 0,
    ]);
  });
});

describe('backend with its database down', () => {
  let issuer: TestIssuer;
  let server: Awaited<ReturnType<typeof startTestServer>>;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    // Port 1 on loopback: nothing listens, so every connection is refused.
    const unreachable = await openDatabase({
      url: 'postgres://postgres@127.0.0.1:1/none',
      pgliteDir: 'unused',
    });
    server = await startTestServer({
      database: unreachable,
      issuer: issuer.issuer,
      audience: [issuer.audience],
    });
  });
  afterAll(async () => {
    await server?.close();
    await issuer?.close();
  });

  it('answers GetOrCreate with unavailable', async () => {
    const token = await issuer.issue({ sub: '336494809936035999' });
    const error = await server
      .client()
      .getOrCreate({}, { headers: { authorization: `Bearer ${token}` } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unavailable);
    expect((error as ConnectError).rawMessage).toMatch(/database unavailable/);
  });

  it('still rejects a bad token with unauthenticated before touching the database', async () => {
    const error = await server
      .client()
      .getOrCreate({}, { headers: { authorization: 'Bearer nope' } })
      .catch((caught: unknown) => caught);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
  });

  it('reports not ready on /readyz while alive on /healthz', async () => {
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(503);
  });
});

const WELL_FORMED_JWS = [{ alg: 'RS256', kid: 'key-1' }, { sub: '1' }, 'signature']
  .map((part) =>
    Buffer.from(typeof part === 'string' ? part : JSON.stringify(part)).toString('base64url'),
  )
  .join('.');

describe('backend with its identity provider down', () => {
  it('answers unavailable, not unauthenticated, when discovery cannot be reached', async () => {
    const database = await createTestDatabase('pglite');
    const server = await startTestServer({
      database: database.handle,
      issuer: 'http://127.0.0.1:1',
      audience: ['x'],
    });
    try {
      const error = await server
        .client()
        // A well-formed JWS header, so verification gets as far as fetching the keys.
        .getOrCreate({}, { headers: { authorization: `Bearer ${WELL_FORMED_JWS}` } })
        .catch((caught: unknown) => caught);
      expect((error as ConnectError).code).toBe(Code.Unavailable);
      expect((error as ConnectError).rawMessage).toMatch(/identity provider unavailable/);
    } finally {
      await server.close();
      await database.drop();
    }
  });
});
