import { request as httpRequest } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalIdp } from '../src/index';
import { isLoopbackAddress, isLoopbackRequest } from '../src/loopback-address';
import {
  buildAuthorizationRequest,
  expectLeftIdp,
  expectPage,
  newTestUser,
} from './support/oidc-client';
import { startTestIdp } from './support/temp-data-dir';
import { alertText, createTestBrowser } from './support/test-browser';

async function dev(
  idp: LocalIdp,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(new URL(`/__dev${path}`, idp.issuer), {
    method,
    // Every request with a method other than GET declares JSON, with or without a body.
    headers: { ...(method === 'GET' ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown> & {
      users?: Record<string, unknown>[];
    },
  };
}

describe('loopback check', () => {
  it('accepts only loopback addresses', () => {
    for (const address of [
      '127.0.0.1',
      '127.8.9.10',
      '::1',
      '::ffff:127.0.0.1',
      '0:0:0:0:0:0:0:1',
    ]) {
      expect(isLoopbackAddress(address), address).toBe(true);
    }
    for (const address of [
      '10.0.0.5',
      '192.168.1.20',
      '::ffff:10.1.2.3',
      '2001:db8::1',
      '0.0.0.0',
      '',
      undefined,
    ]) {
      expect(isLoopbackAddress(address), String(address)).toBe(false);
    }
  });

  it('rejects remote sockets and forwarded remote clients', () => {
    const request = (remoteAddress: string, headers: Record<string, string> = {}) =>
      ({ socket: { remoteAddress }, headers }) as unknown as Parameters<
        typeof isLoopbackRequest
      >[0];
    expect(isLoopbackRequest(request('127.0.0.1'))).toBe(true);
    expect(isLoopbackRequest(request('203.0.113.7'))).toBe(false);
    expect(isLoopbackRequest(request('127.0.0.1', { 'x-forwarded-for': '203.0.113.7' }))).toBe(
      false,
    );
    expect(isLoopbackRequest(request('127.0.0.1', { 'x-forwarded-for': '127.0.0.1, ::1' }))).toBe(
      true,
    );
  });
});

describe('dev admin API', () => {
  let idp: LocalIdp;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    // Listen on every interface so the test can also reach it through a non-loopback address.
    ({ idp, stop } = await startTestIdp({ host: '0.0.0.0' }));
  });
  afterAll(() => stop());

  it('answers 403 to a request forwarded for a remote client', async () => {
    const result = await dev(idp, 'GET', '/users', undefined, {
      'x-forwarded-for': '198.51.100.4',
    });
    expect(result.status).toBe(403);
  });

  const externalAddress = Object.values(networkInterfaces())
    .flat()
    .find((info) => info && info.family === 'IPv4' && !info.internal)?.address;

  it.skipIf(!externalAddress)(
    'answers 403 when reached through a non-loopback interface',
    async () => {
      const response = await fetch(`http://${externalAddress}:${idp.port}/__dev/users`);
      expect(response.status).toBe(403);
      // Only the dev surface is restricted.
      expect(
        (await fetch(`http://${externalAddress}:${idp.port}/.well-known/openid-configuration`))
          .status,
      ).toBe(200);
    },
  );

  // Security review #12 item 9: any page open in the developer's browser could POST text/plain
  // to loopback (a simple request, no preflight) and create users or rotate keys.
  it('refuses a cross-site text/plain POST, as a page in the browser would send it, and creates nothing', async () => {
    const before = idp.users.list().length;
    const response = await fetch(new URL('/__dev/users', idp.issuer), {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ ...newTestUser('csrf'), emailVerified: true }),
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { message: string }).message).toMatch(/application\/json/);
    expect(idp.users.list().length).toBe(before);
    const rotate = await fetch(new URL('/__dev/keys/rotate', idp.issuer), { method: 'POST' });
    expect(rotate.status).toBe(415);
  });

  it('refuses JSON from a foreign Origin or a cross-site fetch', async () => {
    const foreign = await dev(idp, 'POST', '/keys/rotate', undefined, {
      origin: 'https://evil.example',
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.message).toMatch(/cross-origin/);
    const crossSite = await dev(idp, 'GET', '/users', undefined, {
      'sec-fetch-site': 'cross-site',
    });
    expect(crossSite.status).toBe(403);
    const sameOrigin = await dev(idp, 'GET', '/users', undefined, { origin: idp.issuer });
    expect(sameOrigin.status).toBe(200);
  });

  it('refuses a Host that is not one of its names (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: idp.port,
          path: '/__dev/users',
          headers: { host: `rebound.example:${idp.port}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('creates, reads, updates and lists users without ever returning the hash', async () => {
    const input = newTestUser('admin');
    const created = await dev(idp, 'POST', '/users', { ...input, emailVerified: true });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      email: input.email,
      givenName: 'Yuki',
      familyName: 'Tanaka',
      emailVerified: true,
      state: 'active',
    });
    expect(created.body.id).toMatch(/^\d{18}$/);
    expect(created.body).not.toHaveProperty('passwordHash');
    const id = String(created.body.id);

    expect((await dev(idp, 'GET', `/users/${id}`)).body).toEqual(created.body);
    const list = await dev(idp, 'GET', '/users');
    expect(list.body.users?.map((user) => user.id)).toContain(id);
    expect(JSON.stringify(list.body)).not.toContain('scrypt');

    const renamed = await dev(idp, 'PATCH', `/users/${id}`, { givenName: 'Haruka' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      givenName: 'Haruka',
      familyName: 'Tanaka',
      emailVerified: true,
    });

    const moved = await dev(idp, 'PATCH', `/users/${id}`, { email: `moved.${input.email}` });
    expect(moved.body).toMatchObject({ email: `moved.${input.email}`, emailVerified: false });
    const verified = await dev(idp, 'PATCH', `/users/${id}`, { emailVerified: true });
    expect(verified.body.emailVerified).toBe(true);

    expect(
      idp.events
        .all()
        .filter((event) => event.aggregateId === id)
        .map((event) => [event.sequence, event.type]),
    ).toEqual([
      [1, 'user.human.added'],
      [2, 'user.human.email.verified'],
      [3, 'user.human.profile.changed'],
      [4, 'user.human.email.changed'],
      [5, 'user.human.email.verified'],
    ]);
  });

  it('validates input and reports conflicts', async () => {
    const input = newTestUser('conflict');
    expect((await dev(idp, 'POST', '/users', { ...input, password: 'short' })).status).toBe(400);
    expect((await dev(idp, 'POST', '/users', { ...input, email: 'not-an-email' })).status).toBe(
      400,
    );
    expect((await dev(idp, 'POST', '/users', { ...input, role: 'admin' })).status).toBe(400);
    expect((await dev(idp, 'POST', '/users', input)).status).toBe(201);
    const duplicate = await dev(idp, 'POST', '/users', {
      ...input,
      email: input.email.toUpperCase(),
    });
    expect(duplicate).toMatchObject({
      status: 409,
      body: { error: 'already_exists', message: 'An account with this email already exists' },
    });
    expect((await dev(idp, 'GET', '/users/123456789012345678')).status).toBe(404);
    expect((await dev(idp, 'PATCH', '/users/123456789012345678', { givenName: 'X' })).status).toBe(
      404,
    );
  });

  it('deactivates, reactivates, locks, unlocks and removes users, and login honours the state', async () => {
    const input = newTestUser('lifecycle');
    const id = String((await dev(idp, 'POST', '/users', input)).body.id);
    const tryLogin = async () => {
      const browser = createTestBrowser(idp.issuer);
      const page = expectPage(await browser.navigate(buildAuthorizationRequest(idp).url));
      return browser.submit(page, '/login', { email: input.email, password: input.password });
    };

    expect((await dev(idp, 'POST', `/users/${id}/deactivate`)).body.state).toBe('inactive');
    expect((await dev(idp, 'POST', `/users/${id}/deactivate`)).status).toBe(409);
    expect(alertText(expectPage(await tryLogin()).html)).toBe(
      'This account is deactivated. Contact an administrator.',
    );
    expect((await dev(idp, 'POST', `/users/${id}/reactivate`)).body.state).toBe('active');
    expect((await dev(idp, 'POST', `/users/${id}/lock`)).body.state).toBe('locked');
    expect(alertText(expectPage(await tryLogin()).html)).toBe(
      'This account is locked. Contact an administrator.',
    );
    expect((await dev(idp, 'POST', `/users/${id}/unlock`)).body.state).toBe('active');
    expectLeftIdp(await tryLogin());

    const removed = await dev(idp, 'DELETE', `/users/${id}`);
    expect(removed).toMatchObject({ status: 200, body: { state: 'removed' } });
    expect((await dev(idp, 'GET', `/users/${id}`)).body.state).toBe('removed');
    expect((await dev(idp, 'POST', `/users/${id}/lock`)).status).toBe(404);
    expect(alertText(expectPage(await tryLogin()).html)).toBe('Invalid email or password');
    // The email is free again after removal (ZITADEL releases the unique login name).
    expect((await dev(idp, 'POST', '/users', input)).status).toBe(201);

    expect(
      idp.events
        .all()
        .filter((event) => event.aggregateId === id)
        .map((event) => event.type),
    ).toEqual([
      'user.human.added',
      'user.deactivated',
      'user.reactivated',
      'user.locked',
      'user.unlocked',
      'user.removed',
    ]);
  });

  it('offers the same operations on the programmatic handle', async () => {
    const user = await idp.users.create({ ...newTestUser('handle'), emailVerified: false });
    expect(idp.users.get(user.id)).toEqual(user);
    expect((await idp.users.update(user.id, { familyName: 'Sato' })).familyName).toBe('Sato');
    expect(idp.users.lock(user.id).state).toBe('locked');
    expect(idp.users.unlock(user.id).state).toBe('active');
    expect(idp.users.remove(user.id).state).toBe('removed');
    await expect(idp.users.create({ ...newTestUser(), password: 'nodigits' })).rejects.toThrow(
      /at least 8 characters/,
    );
  });

  it('can rotate keys', async () => {
    const before = idp.currentKid;
    const result = await dev(idp, 'POST', '/keys/rotate');
    expect(result.body.kid).toBe(idp.currentKid);
    expect(idp.jwks().keys.map((key) => key.kid)).toEqual([idp.currentKid, before]);
  });
});
