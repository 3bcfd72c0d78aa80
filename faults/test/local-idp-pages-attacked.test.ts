import { connect } from 'node:net';
import { type LocalIdpProcess, startLocalIdpProcess } from '@liverty-music/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom, suiteSeed } from './support/seeded-random';
import { sendTruncated } from './support/send-truncated';

// Hostile requests against the local provider's pages: the self-service account page
// (/ui/console/users/me) and the registration form posts. The provider must stay up, answer no
// 5xx, and never show an account to a request without a real session.
const ACCOUNT = '/ui/console/users/me';
const seed = suiteSeed();

let idp: LocalIdpProcess;

beforeAll(async () => {
  idp = await startLocalIdpProcess();
});
afterAll(async () => {
  await idp?.close();
});

async function healthy(): Promise<void> {
  const response = await fetch(new URL('/debug/healthz', idp.url));
  expect(response.status).toBe(200);
}

/** Sends raw bytes on a fresh socket, a few at a time, then resets it before the request ends. */
function slowThenReset(text: string, chunk: number, gapMs: number): Promise<void> {
  const url = new URL(idp.url);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let offset = 0;
    const step = () => {
      if (offset >= text.length || socket.destroyed) {
        socket.resetAndDestroy();
        return resolve();
      }
      socket.write(text.slice(offset, offset + chunk), 'latin1');
      offset += chunk;
      setTimeout(step, gapMs);
    };
    socket.on('error', () => resolve());
    socket.on('connect', step);
  });
}

describe('the local provider’s pages under attack', () => {
  it('the account page shows no account for missing, forged, junk or oversized session cookies', async () => {
    const random = createRandom(seed).next;
    const junk = (length: number) =>
      Array.from({ length }, () => String.fromCharCode(33 + Math.floor(random() * 90)))
        .join('')
        .replaceAll(';', '');
    // Bad input tried: no cookie, a forged session id with and without a signature, random cookie
    // values, a session id that is a path, NUL-free control characters, and a 12 KiB cookie.
    const cookies = [
      '',
      '_session=abc',
      '_session=abc; _session.sig=forged',
      '_session=../../admin.pat; _session.sig=x',
      `_session=${junk(40)}; _session.sig=${junk(27)}`,
      `_session=${'a'.repeat(12 * 1024)}`,
      ...Array.from({ length: 30 }, () => `${junk(8)}=${junk(64)}`),
    ];
    for (const cookie of cookies) {
      const response = await fetch(new URL(ACCOUNT, idp.url), {
        headers: cookie ? { cookie } : {},
      });
      expect(response.status, cookie.slice(0, 60)).toBeLessThan(500);
      const body = await response.text();
      expect(body).not.toContain('<dt>Email</dt>');
    }
    await healthy();
  });

  it('the account page refuses other methods and survives bodies, slow clients and resets', async () => {
    // Bad input tried: POST, PUT and DELETE with bodies, a query of junk, a path with a trailing
    // segment, a body cut off on the wire, headers trickled in then reset, a reset mid-headers.
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const response = await fetch(new URL(ACCOUNT, idp.url), { method, body: 'x'.repeat(4096) });
      expect(response.status).toBe(405);
    }
    for (const path of [`${ACCOUNT}?%%%=\u0000`, `${ACCOUNT}/../me`, `${ACCOUNT}/x`]) {
      const response = await fetch(new URL(path, idp.url));
      expect(response.status).toBeLessThan(500);
    }
    const cut = await sendTruncated(idp.url, ACCOUNT, {
      headers: { 'Content-Type': 'text/plain' },
      body: new Uint8Array(100),
      declaredLength: 10_000,
      timeoutMs: 5_000,
    });
    expect(cut.status === 0 || cut.status < 500).toBe(true);
    await slowThenReset(`GET ${ACCOUNT} HTTP/1.1\r\nHost: x\r\nCookie: _session=`, 3, 20);
    await slowThenReset(`GET ${ACCOUNT} HTTP/1.1\r\nHo`, 64, 0);
    await healthy();
  });

  it('registration posts with junk, huge and cut-off forms answer without a 5xx', async () => {
    const random = createRandom(seed + 1).next;
    const junkForm = () =>
      Array.from({ length: 1 + Math.floor(random() * 12) }, () => {
        const key = ['email', 'givenName', 'familyName', 'tos', 'privacyPolicy', 'method'][
          Math.floor(random() * 6)
        ];
        return `${key}=${encodeURIComponent(String.fromCharCode(...Array.from({ length: Math.floor(random() * 80) }, () => Math.floor(random() * 0x2fff))))}`;
      }).join('&');
    // Bad input tried: random field values on an unknown interaction, a 70 KiB form (over the 64
    // KiB limit), a form cut off on the wire, and a trickled post reset before its body.
    for (let i = 0; i < 40; i++) {
      for (const step of ['register', 'register/password']) {
        const response = await fetch(new URL(`/ui/v2/login/junk-${i}/${step}`, idp.url), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: junkForm(),
        });
        expect(response.status).toBeLessThan(500);
      }
    }
    const huge = await fetch(new URL('/ui/v2/login/junk/register/password', idp.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=${'a'.repeat(70 * 1024)}`,
    });
    expect(huge.status).toBeLessThan(500);
    const cut = await sendTruncated(idp.url, '/ui/v2/login/junk/register/password', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new TextEncoder().encode('email=a%40b.c&password=Secret-1&confirm'),
      declaredLength: 4_000,
      timeoutMs: 5_000,
    });
    expect(cut.status === 0 || cut.status < 500).toBe(true);
    await slowThenReset(
      'POST /ui/v2/login/junk/register HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nemail=',
      5,
      15,
    );
    await healthy();
  });
});
