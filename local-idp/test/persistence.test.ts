import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildAuthorizationRequest,
  decodeJwt,
  exchangeCode,
  expectLeftIdp,
  expectPage,
  newTestUser,
  postToken,
  registerViaPromptCreate,
  verifyWithJwks,
} from './support/oidc-client';
import { makeTempDataDir, startTestIdp } from './support/temp-data-dir';
import { createTestBrowser } from './support/test-browser';

describe('persistence across restarts', () => {
  const temp = makeTempDataDir();
  afterAll(() => temp.remove());

  it('keeps users and keys; rotateKeys publishes the new and the old key', async () => {
    const user = newTestUser('persist');
    const first = await startTestIdp({ dataDir: temp.dir });
    const { request, callback } = await registerViaPromptCreate(first.idp, user);
    const tokens = await exchangeCode(first.idp, request, callback);
    const kid = first.idp.currentKid;
    const userId = String(decodeJwt(tokens.access_token).sub);
    const pat = first.idp.adminPat;
    await first.stop();

    // Users live in a JSON file without the password in clear; the hash is scrypt.
    const usersFile = JSON.parse(readFileSync(join(temp.dir, 'users.json'), 'utf8')) as {
      users: { id: string; passwordHash: string }[];
    };
    expect(usersFile.users.map((stored) => stored.id)).toContain(userId);
    expect(JSON.stringify(usersFile)).not.toContain(user.password);
    expect(usersFile.users[0]?.passwordHash).toMatch(/^scrypt\$/);

    // Restarted on another port (so another issuer): data and keys must carry over regardless.
    const second = await startTestIdp({ dataDir: temp.dir });
    try {
      const idp = second.idp;
      expect(idp.currentKid).toBe(kid);
      expect(idp.adminPat).toBe(pat);
      expect(idp.users.get(userId)).toMatchObject({
        email: user.email,
        givenName: user.givenName,
        state: 'active',
      });

      const jwks = (await (await fetch(new URL('/oauth/v2/keys', idp.issuer))).json()) as {
        keys: { kid: string }[];
      };
      expect(jwks.keys.map((key) => key.kid)).toEqual([kid]);

      // The persisted user can log in with the same password.
      const login = createTestBrowser(idp.issuer);
      const loginRequest = buildAuthorizationRequest(idp);
      const page = expectPage(await login.navigate(loginRequest.url));
      const loginCallback = expectLeftIdp(
        await login.submit(page, '/login', { email: user.email, password: user.password }),
      );
      const loginTokens = await exchangeCode(idp, loginRequest, loginCallback);
      expect(decodeJwt(loginTokens.access_token).sub).toBe(userId);

      // Rotation: a new current key, the old one still published, new tokens use the new kid.
      const newKid = await idp.rotateKeys();
      expect(newKid).not.toBe(kid);
      expect(idp.currentKid).toBe(newKid);
      const rotated = (await (await fetch(new URL('/oauth/v2/keys', idp.issuer))).json()) as {
        keys: { kid: string }[];
      };
      expect(rotated.keys.map((key) => key.kid)).toEqual([newKid, kid]);
      const refreshed = await postToken(idp, {
        grant_type: 'refresh_token',
        refresh_token: loginTokens.refresh_token ?? '',
      });
      expect(refreshed.status).toBe(200);
      const refreshedBody = (await refreshed.json()) as { access_token: string };
      expect((await verifyWithJwks(idp, refreshedBody.access_token)).header.kid).toBe(newKid);
      // Tokens signed with the previous key keep working.
      expect((await verifyWithJwks(idp, loginTokens.access_token)).header.kid).toBe(kid);
      const info = await fetch(new URL('/oidc/v1/userinfo', idp.issuer), {
        headers: { authorization: `Bearer ${loginTokens.access_token}` },
      });
      expect(info.status).toBe(200);
    } finally {
      await second.stop();
    }

    const third = await startTestIdp({ dataDir: temp.dir });
    try {
      expect(third.idp.jwks().keys).toHaveLength(2);
      expect(third.idp.jwks().keys[1]?.kid).toBe(kid);
    } finally {
      await third.stop();
    }
  });

  it('keeps the login session and refresh tokens when restarted on the same issuer', async () => {
    const dir = makeTempDataDir();
    try {
      const first = await startTestIdp({ dataDir: dir.dir });
      const issuer = first.idp.issuer;
      const { browser, request, callback } = await registerViaPromptCreate(
        first.idp,
        newTestUser('session'),
      );
      const tokens = await exchangeCode(first.idp, request, callback);
      await first.stop();

      const port = Number(new URL(issuer).port);
      const second = await startTestIdp({ dataDir: dir.dir, port });
      try {
        expect(second.idp.issuer).toBe(issuer);
        const info = await fetch(new URL('/oidc/v1/userinfo', issuer), {
          headers: { authorization: `Bearer ${tokens.access_token}` },
        });
        expect(info.status).toBe(200);
        const refreshed = await postToken(second.idp, {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token ?? '',
        });
        expect(refreshed.status).toBe(200);
        // The browser's IdP session survived too: no login page.
        const again = buildAuthorizationRequest(second.idp);
        expect(
          expectLeftIdp(await browser.navigate(again.url)).searchParams.get('code'),
        ).toBeTruthy();
      } finally {
        await second.stop();
      }
    } finally {
      dir.remove();
    }
  });
});
