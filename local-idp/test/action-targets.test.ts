import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalIdp } from '../src/index';
import {
  buildAuthorizationRequest,
  completeRegistration,
  decodeJwt,
  exchangeCode,
  expectPage,
  newTestUser,
  registerViaPromptCreate,
} from './support/oidc-client';
import { startTestIdp } from './support/temp-data-dir';
import { alertText, createTestBrowser } from './support/test-browser';

// Each target its own key, as ZITADEL's CreateTarget returns one per target.
const KEYS = {
  preAccessToken: 'preaccesstoken-test-key',
  preUserinfo: 'preuserinfo-test-key',
  addHumanUser: 'add-human-user-test-key',
};

interface Call {
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
}
type Responder = (res: ServerResponse, call: Call) => void;

/** Three restCall targets on one server; each test says how they answer. */
async function startTargets() {
  const calls: Call[] = [];
  const responders: Record<string, Responder> = {};
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const call = {
      path: req.url ?? '',
      headers: req.headers,
      raw: Buffer.concat(chunks).toString(),
    };
    calls.push(call);
    const respond = responders[call.path];
    if (respond) respond(res, call);
    else res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    calls,
    responders,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** ZITADEL's signature check (pkg/actions/signing.go), written independently. */
function signedWith(call: Call, key: string): boolean {
  const header = String(call.headers['zitadel-signature']);
  const t = /t=(\d+)/.exec(header)?.[1];
  const v1 = /v1=([0-9a-f]{64})/.exec(header)?.[1];
  if (!t || !v1) return false;
  const expected = createHmac('sha256', key).update(`${t}.${call.raw}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}

const json =
  (body: unknown): Responder =>
  (res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('Actions v2 restCall targets called by the local provider', () => {
  let idp: LocalIdp;
  let logs: string[];
  let stop: () => Promise<void>;
  let targets: Awaited<ReturnType<typeof startTargets>>;

  beforeAll(async () => {
    targets = await startTargets();
    ({ idp, logs, stop } = await startTestIdp({
      actionTargets: {
        preAccessToken: `${targets.base}/preaccesstoken`,
        preUserinfo: `${targets.base}/preuserinfo`,
        addHumanUser: `${targets.base}/add-human-user`,
        signingKeys: KEYS,
        timeoutMs: 300,
      },
    }));
  });
  beforeEach(() => {
    for (const key of Object.keys(targets.responders)) delete targets.responders[key];
    targets.calls.length = 0;
  });
  afterAll(async () => {
    await stop();
    await targets.close();
  });

  async function signUpAndGetTokens(prefix: string) {
    const user = newTestUser(prefix);
    const { request, callback } = await registerViaPromptCreate(idp, user);
    const tokens = await exchangeCode(idp, request, callback);
    return { user, tokens, id: idp.users.findByEmail(user.email)?.id ?? '' };
  }

  // Merge rules: internal/api/oidc/userinfo.go applyContextInfoResponse / appendOrLogClaim.
  it('preaccesstoken: appends the answered claims to the JWT access token, as ZITADEL merges them', async () => {
    targets.responders['/preaccesstoken'] = json({
      append_claims: [
        { key: 'urn:liverty-music:user_id', value: '0b7d6c1e-0000-4000-8000-000000000001' },
        { key: 'urn:zitadel:iam:user:resourceowner:id', value: 'dropped' },
        { key: 'sub', value: 'never overwritten' },
      ],
      append_log_claims: ['hello from the target'],
    });
    const { tokens, id } = await signUpAndGetTokens('claims');
    const claims = decodeJwt(tokens.access_token);
    expect(claims['urn:liverty-music:user_id']).toBe('0b7d6c1e-0000-4000-8000-000000000001');
    expect(claims.sub).toBe(id);
    expect(claims['urn:zitadel:iam:user:resourceowner:id']).toBeUndefined();
    expect(claims['urn:zitadel:iam:action:function.preaccesstoken:log']).toEqual([
      'key "sub" already exists',
      'hello from the target',
    ]);

    const call = targets.calls.find((candidate) => candidate.path === '/preaccesstoken');
    expect(call?.headers['content-type']).toBe('application/json');
    expect(call && signedWith(call, KEYS.preAccessToken)).toBe(true);
    // Signed with its own target's key only (the signature does not cover the path).
    expect(call && signedWith(call, KEYS.preUserinfo)).toBe(false);
    expect(call && signedWith(call, KEYS.addHumanUser)).toBe(false);
    expect(call && signedWith(call, 'other-key')).toBe(false);
    // ContextInfo (userinfo.go) with `user` as internal/query/user.go's snake_case User.
    expect(JSON.parse(call?.raw ?? '{}')).toMatchObject({
      function: 'function.preaccesstoken',
      userinfo: { sub: id },
      user: {
        id,
        // The user projection's sequence: the user's newest event (signup wrote at least one).
        sequence: idp.events
          .all()
          .filter((event) => event.aggregateId === id)
          .at(-1)?.sequence,
        human: { first_name: 'Yuki', last_name: 'Tanaka', display_name: 'Yuki Tanaka' },
      },
      org: { id: idp.orgId },
      application: { client_id: idp.clientId },
    });
    expect(JSON.parse(call?.raw ?? '{}').user.sequence).toBeGreaterThan(0);
  });

  it('preaccesstoken fails open (interruptOnError false): an error, a timeout or a forwarded error still issue the token', async () => {
    for (const respond of [
      ((res) => res.writeHead(503).end()) satisfies Responder,
      // Never answers: the 300 ms timeout ends the call.
      (() => {}) satisfies Responder,
      json({ forwardedStatusCode: 403, forwardedErrorMessage: 'no' }),
      ((res) => res.writeHead(200).end('not json')) satisfies Responder,
    ]) {
      targets.responders['/preaccesstoken'] = respond;
      const { tokens, id } = await signUpAndGetTokens('failopen');
      const claims = decodeJwt(tokens.access_token);
      expect(claims.sub).toBe(id);
      expect(claims['urn:liverty-music:user_id']).toBeUndefined();
    }
    expect(logs.some((line) => /timed out after 300 ms/.test(line))).toBe(true);
  });

  it('preuserinfo: the userinfo response carries the answered claims; the target sees the scoped claims', async () => {
    targets.responders['/preuserinfo'] = json({
      append_claims: [{ key: 'urn:liverty-music:user_id', value: 'from-userinfo' }],
    });
    const { tokens, user } = await signUpAndGetTokens('userinfo');
    const response = await fetch(new URL('/oidc/v1/userinfo', idp.issuer), {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ email: user.email, 'urn:liverty-music:user_id': 'from-userinfo' });
    const call = targets.calls.find((candidate) => candidate.path === '/preuserinfo');
    expect(call && signedWith(call, KEYS.preUserinfo)).toBe(true);
    expect(call && signedWith(call, KEYS.preAccessToken)).toBe(false);
    expect(JSON.parse(call?.raw ?? '{}')).toMatchObject({
      function: 'function.preuserinfo',
      userinfo: { email: user.email },
    });
  });

  describe('registration: the request execution on AddHumanUser (interruptOnError true)', () => {
    async function register(user = newTestUser('policy')) {
      const browser = createTestBrowser(idp.issuer);
      const page = expectPage(
        await browser.navigate(buildAuthorizationRequest(idp, { prompt: 'create' }).url),
      );
      // Both of Login V2's steps; the execution runs when the account is created, after the second.
      return { user, result: await completeRegistration(browser, page, user) };
    }

    // internal/execution/execution.go HandleResponse: a 4xx forwardedStatusCode reaches the caller.
    // Login V2 v4.16 (errors.couldNotCreateUser, ZITADEL #12338) shows its own text, not the
    // target's: the message is logged (shared/zitadel.md, docs/decisions/034).
    it('a forwarded 400 refuses the signup with "Could not create user", logs why, creates nobody', async () => {
      targets.responders['/add-human-user'] = json({
        forwardedStatusCode: 400,
        forwardedErrorMessage: 'This username is reserved.',
      });
      const eventsBefore = idp.events.all().length;
      const { user, result } = await register();
      const page = expectPage(result);
      expect(alertText(page.html)).toBe('Could not create user');
      expect(page.html).not.toContain('This username is reserved.');
      // No field is to blame: nothing is marked invalid, the password step is shown again.
      expect(page.html).not.toMatch(/<input[^>]*aria-invalid/);
      expect(page.html).toContain('name="confirmPassword"');
      expect(logs.join('\n')).toMatch(
        /action target http:\/\/127\.0\.0\.1:\d+\/add-human-user \(\/zitadel\.user\.v2\.UserService\/AddHumanUser\) refused with 400: This username is reserved\.; registration stopped/,
      );
      expect(logs.join('\n')).not.toContain(user.password);
      expect(idp.users.findByEmail(user.email)).toBeUndefined();
      expect(idp.events.all()).toHaveLength(eventsBefore);
      // What the target got: ContextInfoRequest with the request as protojson (password included,
      // as ZITADEL sends it; the target must not keep it).
      const call = targets.calls.find((candidate) => candidate.path === '/add-human-user');
      expect(call && signedWith(call, KEYS.addHumanUser)).toBe(true);
      expect(call && signedWith(call, KEYS.preAccessToken)).toBe(false);
      expect(JSON.parse(call?.raw ?? '{}')).toMatchObject({
        fullMethod: '/zitadel.user.v2.UserService/AddHumanUser',
        instanceID: idp.instanceId,
        orgID: idp.orgId,
        request: {
          username: user.email,
          profile: { givenName: user.givenName, familyName: user.familyName },
          email: { email: user.email },
          password: { password: user.password },
        },
      });
    });

    it('a target that cannot answer: "Could not create user", says the service is unavailable, logs why', async () => {
      // Bad input tried: an HTTP 500, and a connection closed without an answer.
      for (const [respond, logged] of [
        [(res: ServerResponse) => res.writeHead(500).end(), 'failed: HTTP 500'],
        [(res: ServerResponse) => res.socket?.destroy(), 'failed: fetch failed'],
      ] as const) {
        targets.responders['/add-human-user'] = respond;
        const { user, result } = await register();
        const page = expectPage(result);
        expect(alertText(page.html)).toBe(
          'Could not create user The sign-up check is not answering right now, so nothing was saved. Try again in a few minutes.',
        );
        expect(page.html).not.toMatch(/<input[^>]*aria-invalid/);
        expect(logs.join('\n')).toContain(`(/zitadel.user.v2.UserService/AddHumanUser) ${logged}`);
        expect(idp.users.findByEmail(user.email)).toBeUndefined();
      }
    });

    it('an empty answer lets the request through unchanged', async () => {
      targets.responders['/add-human-user'] = (res) => res.writeHead(200).end();
      const { user, result } = await register();
      expect(result.kind).toBe('left-idp');
      expect(idp.users.findByEmail(user.email)).toMatchObject({ givenName: user.givenName });
    });

    it('an answered request replaces the request whole', async () => {
      targets.responders['/add-human-user'] = (res, call) => {
        const { request } = JSON.parse(call.raw) as { request: Record<string, unknown> };
        json({ ...request, profile: { givenName: 'Changed', familyName: 'ByTarget' } })(res, call);
      };
      const { user, result } = await register();
      expect(result.kind).toBe('left-idp');
      expect(idp.users.findByEmail(user.email)).toMatchObject({
        givenName: 'Changed',
        familyName: 'ByTarget',
      });
    });
  });
});
