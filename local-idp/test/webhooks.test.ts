import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalIdp } from '../src/index';
import {
  buildAuthorizationRequest,
  completeRegistration,
  expectLeftIdp,
  expectPage,
  newTestUser,
} from './support/oidc-client';
import { startTestIdp } from './support/temp-data-dir';
import { createTestBrowser } from './support/test-browser';

interface Received {
  headers: IncomingMessage['headers'];
  raw: Buffer;
}

/** A webhook receiver that records raw bodies; `respond` decides what each request gets. */
async function startReceiver(respond: (res: ServerResponse, index: number) => void) {
  const received: Received[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
    respond(res, received.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/zitadel/events`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Independent implementation of ZITADEL's signature check (pkg/actions/signing.go semantics). */
function verifySignature(
  header: string,
  raw: Buffer,
  key: string,
  toleranceSeconds = 300,
): boolean {
  const parts = header.split(',').map((part) => part.split('=') as [string, string]);
  const t = Number(parts.find(([name]) => name === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', key).update(`${t}.`).update(raw).digest();
  return parts
    .filter(([name]) => name === 'v1')
    .some(([, hex]) => {
      const actual = Buffer.from(hex, 'hex');
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    });
}

const SIGNING_KEY = 'test-signing-key-Ünïcode';

describe('webhook delivery', () => {
  let idp: LocalIdp;
  let logs: string[];
  let stop: () => Promise<void>;
  let good: Awaited<ReturnType<typeof startReceiver>>;
  let failing: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    good = await startReceiver((res) => res.writeHead(200).end('ok'));
    failing = await startReceiver((res) => res.writeHead(500).end('nope'));
    ({ idp, logs, stop } = await startTestIdp({
      webhookTargets: [good.url, failing.url],
      webhookSigningKey: SIGNING_KEY,
    }));
  });
  afterEach(() => idp.webhooks.setTargets([good.url, failing.url]));
  afterAll(async () => {
    await stop();
    await good.close();
    await failing.close();
  });

  it('POSTs a correctly signed ZITADEL v2 event body for a registration', async () => {
    const user = newTestUser('hook');
    const browser = createTestBrowser(idp.issuer);
    const page = expectPage(
      await browser.navigate(buildAuthorizationRequest(idp, { prompt: 'create' }).url),
    );
    expectLeftIdp(await completeRegistration(browser, page, user));
    await idp.webhooks.idle();

    const id = idp.users.findByEmail(user.email)?.id;
    const delivery = good.received.find(
      (item) => JSON.parse(item.raw.toString()).aggregateID === id,
    );
    expect(delivery).toBeDefined();
    if (!delivery) return;
    expect(delivery.headers['content-type']).toBe('application/json');
    const signature = String(delivery.headers['zitadel-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(signature, delivery.raw, SIGNING_KEY)).toBe(true);
    expect(verifySignature(signature, delivery.raw, 'another-key')).toBe(false);
    expect(
      verifySignature(signature, Buffer.concat([delivery.raw, Buffer.from(' ')]), SIGNING_KEY),
    ).toBe(false);

    const body = JSON.parse(delivery.raw.toString()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'aggregateID',
      'aggregateType',
      'resourceOwner',
      'instanceID',
      'version',
      'sequence',
      'event_type',
      'created_at',
      'userID',
      'event_payload',
    ]);
    expect(body).toMatchObject({
      aggregateID: id,
      aggregateType: 'user',
      resourceOwner: idp.orgId,
      instanceID: idp.instanceId,
      version: 'v2',
      sequence: 1,
      event_type: 'user.human.added',
      created_at: expect.stringMatching(/Z$/),
      userID: '336500000000000002',
      event_payload: {
        userName: user.email,
        firstName: 'Yuki',
        lastName: 'Tanaka',
        displayName: 'Yuki Tanaka',
        email: user.email,
        preferredLanguage: 'en',
      },
    });
    expect(delivery.raw.toString()).not.toContain('scrypt');
  });

  it('does not retry a failing target and logs the dropped delivery', async () => {
    const goodBefore = good.received.length;
    const failingBefore = failing.received.length;
    const user = await idp.users.create(newTestUser('fail'));
    await idp.webhooks.idle();
    expect(good.received.length - goodBefore).toBe(1);
    expect(failing.received.length - failingBefore).toBe(1);
    expect(
      logs.some(
        (line) =>
          line.includes(`of ${user.id}`) && line.includes('HTTP 500') && line.includes('dropped'),
      ),
    ).toBe(true);
  });

  it('never delays the user action, and gives up after the timeout', async () => {
    let release: (() => void) | undefined;
    const hanging = await startReceiver((res) => {
      release = () => res.writeHead(200).end();
    });
    try {
      idp.webhooks.setTargets([hanging.url]);
      // The create resolves while the delivery is still waiting for the receiver.
      const user = await idp.users.create(newTestUser('slow'));
      expect(idp.users.get(user.id)).toBeDefined();
      await expect.poll(() => hanging.received.length).toBe(1);
      let settled = false;
      const idle = idp.webhooks.idle().then(() => {
        settled = true;
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      release?.();
      await idle;
    } finally {
      await hanging.close();
    }

    const timeoutIdp = await startTestIdp({ webhookTimeoutMs: 200 });
    const silent = await startReceiver(() => {});
    try {
      timeoutIdp.idp.webhooks.setTargets([silent.url]);
      await timeoutIdp.idp.users.create(newTestUser('timeout'));
      await timeoutIdp.idp.webhooks.idle();
      expect(silent.received).toHaveLength(1);
      expect(timeoutIdp.logs.some((line) => line.includes('timed out after 200 ms'))).toBe(true);
    } finally {
      await timeoutIdp.stop();
      await silent.close();
    }
  });
});
