import { eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { createIdentityEnricher } from '../src/actions/enrich-identity';
import { parseFunctionCall } from '../src/actions/parse-action-bodies';
import { createSignupPolicy } from '../src/actions/signup-policy';
import { APP_USER_ID_CLAIM } from '../src/auth/app-user-id-claim';
import { isDatabaseUnavailable } from '../src/db/is-database-unavailable';
import { openDatabase } from '../src/db/open-database';
import { identityEvents, users } from '../src/db/schema';
import { upsertUserFields } from '../src/provisioning/upsert-user-fields';
import {
  addHumanUserContext,
  functionContext,
  PREVIOUS_PREACCESSTOKEN_KEY,
  startActionsServer,
  startBlackHole,
  TARGET_KEYS,
} from './support/action-calls';
import { backendUnderTest } from './support/backend-under-test';
import { createTestDatabase, databaseKinds } from './support/test-databases';
import { startTestIssuer } from './support/test-issuer';
import { addedPayload, newUserId, sign, webhookBody } from './support/zitadel-events';

const PASSWORD = 'Plaintext-Secret-42!';

describe.each(databaseKinds)('Actions v2 targets on %s', (kind) => {
  const backend = backendUnderTest({ kind, start: startActionsServer });

  const rowsOf = (zitadelUserId: string) =>
    backend.database.handle.db.select().from(users).where(eq(users.zitadelUserId, zitadelUserId));
  const enrich = async (target: string, body: string) => {
    const response = await backend.server.call(target, body);
    expect(response.status).toBe(200);
    return (await response.json()) as { append_claims?: { key: string; value: unknown }[] };
  };

  describe('identity enricher (function preaccesstoken / preuserinfo)', () => {
    // Answer format: internal/api/oidc/userinfo.go ContextInfoResponse {append_claims:[{key,value}]}.
    it('provisions a new person before any token reaches the app and names the row in append_claims', async () => {
      const userId = newUserId();
      const answer = await enrich(
        'preaccesstoken',
        functionContext({ userId, email: 'first@example.com' }),
      );
      const [row] = await rowsOf(userId);
      expect(row).toMatchObject({
        email: 'first@example.com',
        displayName: 'Minnie Mouse',
        emailVerified: true,
        claimId: null,
      });
      expect(answer).toEqual({ append_claims: [{ key: APP_USER_ID_CLAIM, value: row?.id }] });
      // ZITADEL drops keys starting urn:zitadel:iam (userinfo.go appendOrLogClaim, ClaimPrefix).
      expect(JSON.stringify(answer)).not.toContain('urn:zitadel:iam');
    });

    it('is idempotent: the same id every time, for preuserinfo too, and still one row', async () => {
      const userId = newUserId();
      const body = functionContext({ userId, email: 'again@example.com' });
      const first = await enrich('preaccesstoken', body);
      const second = await enrich('preaccesstoken', body);
      // ZITADEL before v4 sent "function/preuserinfo"; either spelling is the same function here.
      const third = await enrich(
        'preuserinfo',
        functionContext({ userId, email: 'again@example.com', function: 'function/preuserinfo' }),
      );
      expect(second).toEqual(first);
      expect(third).toEqual(first);
      expect(await rowsOf(userId)).toHaveLength(1);
    });

    it('gives one row and one id to twelve simultaneous first calls', async () => {
      const userId = newUserId();
      const body = functionContext({ userId, email: 'race@example.com' });
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => enrich('preaccesstoken', body)),
      );
      const ids = new Set(answers.map((answer) => answer.append_claims?.[0]?.value));
      expect(ids.size).toBe(1);
      expect(await rowsOf(userId)).toHaveLength(1);
    });

    it('refreshes the row when ZITADEL says the profile changed', async () => {
      const userId = newUserId();
      await enrich('preaccesstoken', functionContext({ userId, email: 'old@example.com' }));
      await enrich(
        'preaccesstoken',
        functionContext({ userId, email: 'new@example.com', familyName: 'Renamed', sequence: 4 }),
      );
      expect((await rowsOf(userId))[0]).toMatchObject({
        email: 'new@example.com',
        displayName: 'Minnie Renamed',
      });
    });

    describe('a replayed body never moves a field back (finding: replay within the 300 s window)', () => {
      // ZITADEL signs the body with a timestamp and accepts 300 s of skew (pkg/actions/signing.go):
      // a captured call verifies again until then. `user.sequence` (internal/query/user.go User)
      // says which event the profile is as of; the row keeps each field's sequence.
      it('replays the exact signed bytes of an older call after a newer one: nothing moves', async () => {
        const userId = newUserId();
        const older = functionContext({ userId, email: 'older@example.com', sequence: 4 });
        const olderSignature = sign(older, TARGET_KEYS.preaccesstoken);
        const newer = functionContext({
          userId,
          email: 'newer@example.com',
          familyName: 'Newer',
          sequence: 6,
        });
        expect(
          (
            await backend.server.call('preaccesstoken', older, {
              'zitadel-signature': olderSignature,
            })
          ).status,
        ).toBe(200);
        await enrich('preaccesstoken', newer);
        const replay = await backend.server.call('preaccesstoken', older, {
          'zitadel-signature': olderSignature,
        });
        expect(replay.status).toBe(200);
        expect((await rowsOf(userId))[0]).toMatchObject({
          email: 'newer@example.com',
          emailSequence: 6,
          familyName: 'Newer',
          familyNameSequence: 6,
        });
      });

      it('an event the webhook applied (sequence 9) outranks a later-arriving body as of sequence 7', async () => {
        const userId = newUserId();
        await enrich(
          'preaccesstoken',
          functionContext({ userId, email: 'a@example.com', sequence: 2 }),
        );
        await upsertUserFields(backend.database.handle.db, [
          {
            zitadelUserId: userId,
            orgId: null,
            creates: false,
            fields: { email: { value: 'from-event@example.com', sequence: 9 } },
          },
        ]);
        await enrich(
          'preuserinfo',
          functionContext({ userId, email: 'stale@example.com', sequence: 7 }),
        );
        const [row] = await rowsOf(userId);
        expect(row).toMatchObject({ email: 'from-event@example.com', emailSequence: 9 });
        // The other fields were older than 7 and did move.
        expect(row?.givenNameSequence).toBe(7);
      });

      it('a body without user.sequence creates a missing row but never overwrites one', async () => {
        const userId = newUserId();
        const unsequenced = (email: string) => {
          const body = JSON.parse(functionContext({ userId, email })) as {
            user: Record<string, unknown>;
          };
          delete body.user.sequence;
          return JSON.stringify(body);
        };
        await enrich('preaccesstoken', unsequenced('first@example.com'));
        expect((await rowsOf(userId))[0]).toMatchObject({
          email: 'first@example.com',
          emailSequence: 0,
        });
        await enrich('preaccesstoken', unsequenced('second@example.com'));
        expect((await rowsOf(userId))[0]?.email).toBe('first@example.com');
      });
    });

    it('leaves machine users alone: no claim, no row', async () => {
      const userId = newUserId();
      expect(await enrich('preaccesstoken', functionContext({ userId, machine: true }))).toEqual(
        {},
      );
      expect(await rowsOf(userId)).toHaveLength(0);
    });

    it('refuses an unsigned call, a wrong key and a tampered body; accepts the key being rotated out', async () => {
      const userId = newUserId();
      const body = functionContext({ userId });
      expect((await backend.server.call('preaccesstoken', body, {})).status).toBe(401);
      expect(
        (
          await backend.server.call('preaccesstoken', body, {
            'zitadel-signature': sign(body, 'nope'),
          })
        ).status,
      ).toBe(401);
      const tampered = functionContext({ userId: newUserId() });
      expect(
        (
          await backend.server.call('preaccesstoken', tampered, {
            'zitadel-signature': sign(body, TARGET_KEYS.preaccesstoken),
          })
        ).status,
      ).toBe(401);
      expect(await rowsOf(userId)).toHaveLength(0);
      const rotated = await backend.server.call('preaccesstoken', body, {
        'zitadel-signature': sign(body, PREVIOUS_PREACCESSTOKEN_KEY),
      });
      expect(rotated.status).toBe(200);
    });

    it('verifies each target only with its own key: a body signed for target A is refused on B', async () => {
      // ZITADEL's signature does not cover the path (pkg/actions/signing.go), so a key valid on
      // every target would let a call captured on one be replayed on another.
      const userId = newUserId();
      const enrichBody = functionContext({ userId });
      const policyBody = addHumanUserContext({ email: 'ok@example.com', password: PASSWORD });
      const tries: [target: string, body: string, signedFor: keyof typeof TARGET_KEYS][] = [
        ['preuserinfo', enrichBody, 'preaccesstoken'],
        ['preaccesstoken', enrichBody, 'preuserinfo'],
        ['preaccesstoken', enrichBody, 'add-human-user'],
        ['add-human-user', policyBody, 'preaccesstoken'],
        ['add-human-user', policyBody, 'preuserinfo'],
      ];
      for (const [target, body, signedFor] of tries) {
        const response = await backend.server.call(target, body, {
          'zitadel-signature': sign(body, TARGET_KEYS[signedFor]),
        });
        expect({ target, signedFor, status: response.status }).toEqual({
          target,
          signedFor,
          status: 401,
        });
      }
      // The rotation key of preaccesstoken is not preuserinfo's either.
      const rotated = await backend.server.call('preuserinfo', enrichBody, {
        'zitadel-signature': sign(enrichBody, PREVIOUS_PREACCESSTOKEN_KEY),
      });
      expect(rotated.status).toBe(401);
      expect(await rowsOf(userId)).toHaveLength(0);
      // Each with its own key: accepted.
      for (const target of ['preaccesstoken', 'preuserinfo', 'add-human-user'] as const) {
        const body = target === 'add-human-user' ? policyBody : enrichBody;
        expect((await backend.server.call(target, body)).status).toBe(200);
      }
    });

    it('answers 400 to a body without a user (tried: {}, "[]", not JSON) and writes nothing', async () => {
      for (const body of ['{}', '[]', 'not json']) {
        const response = await backend.server.call('preaccesstoken', body);
        expect(response.status).toBe(400);
      }
      expect(await backend.server.call('unknown', '{}').then((response) => response.status)).toBe(
        404,
      );
      const get = await fetch(`${backend.server.baseUrl}/actions/zitadel/preaccesstoken`);
      expect(get.status).toBe(405);
    });
  });

  describe('GetOrCreate with the claim', () => {
    it('the enricher does not use up "created": the first GetOrCreate still says created, without userinfo', async () => {
      const userId = newUserId();
      const answer = await enrich(
        'preaccesstoken',
        functionContext({ userId, email: 'claimed@example.com' }),
      );
      const appUserId = answer.append_claims?.[0]?.value as string;
      const token = await backend.issuer.issue(
        { sub: userId, email: 'claimed@example.com', name: 'Minnie Mouse' },
        { claims: { [APP_USER_ID_CLAIM]: appUserId } },
      );
      const userinfoBefore = backend.issuer.counts.userinfo;
      const client = backend.server.client();
      const headers = { authorization: `Bearer ${token}` };
      const first = await client.getOrCreate({ isRegistration: true }, { headers });
      const second = await client.getOrCreate({ isRegistration: false }, { headers });
      expect(first.created).toBe(true);
      expect(first.user?.id).toBe(appUserId);
      expect(second.created).toBe(false);
      expect(second.user?.id).toBe(appUserId);
      expect(backend.issuer.counts.userinfo).toBe(userinfoBefore);
      expect(await rowsOf(userId)).toHaveLength(1);
    });

    it('a claim naming another row is ignored: the ordinary path (userinfo) decides', async () => {
      const userId = newUserId();
      await enrich('preaccesstoken', functionContext({ userId, email: 'mismatch@example.com' }));
      const token = await backend.issuer.issue(
        { sub: userId, email: 'mismatch@example.com', name: 'Minnie Mouse' },
        { claims: { [APP_USER_ID_CLAIM]: crypto.randomUUID() } },
      );
      const userinfoBefore = backend.issuer.counts.userinfo;
      const answer = await backend.server
        .client()
        .getOrCreate({}, { headers: { authorization: `Bearer ${token}` } });
      expect(answer.created).toBe(true);
      expect(answer.user?.id).toBe((await rowsOf(userId))[0]?.id);
      expect(backend.issuer.counts.userinfo).toBe(userinfoBefore + 1);
    });
  });

  describe('signup policy (request execution on AddHumanUser)', () => {
    // Forwarding format: internal/execution/execution.go HandleResponse/ErrorBody.
    it.each([
      ['username admin', { username: 'admin', email: 'someone@example.com' }],
      ['username ADMIN (any case)', { username: 'ADMIN', email: 'someone@example.com' }],
      ['username that is an address', { username: 'Root@example.com', email: 'x@example.com' }],
      ['email local part support', { email: 'Support@example.com' }],
      ['email local part with a +tag', { email: 'admin+news@example.com' }],
      ['full-width letters', { email: 'ａｄｍｉｎ@example.com' }],
      ['the product name', { email: 'liverty-music@example.com' }],
    ])('refuses a reserved name: %s', async (_what, input) => {
      const response = await backend.server.call(
        'add-human-user',
        addHumanUserContext({ ...input, password: PASSWORD }),
      );
      expect(response.status).toBe(200);
      const answer = (await response.json()) as Record<string, unknown>;
      expect(answer).toEqual({
        forwardedStatusCode: 400,
        forwardedErrorMessage: expect.stringMatching(/reserved/),
      });
    });

    it.each(['x@mailinator.com', 'x@MAILINATOR.com', 'x@eu.mailinator.com'])(
      'refuses the blocked domain of %s',
      async (email) => {
        const answer = await (
          await backend.server.call(
            'add-human-user',
            addHumanUserContext({ email, password: PASSWORD }),
          )
        ).json();
        expect(answer).toEqual({
          forwardedStatusCode: 400,
          forwardedErrorMessage: expect.stringMatching(/domain/),
        });
      },
    );

    it.each([
      ['an ordinary address', { email: 'minnie@example.com' }],
      ['a name that only contains a reserved word', { email: 'administrative.minnie@example.com' }],
      ['a look-alike domain', { email: 'x@notmailinator.com' }],
      ['no username, no email', { email: '' }],
    ])('lets %s through unchanged: an empty 200 answer', async (_what, input) => {
      const response = await backend.server.call(
        'add-human-user',
        addHumanUserContext({ ...input, password: PASSWORD }),
      );
      expect(response.status).toBe(200);
      // Empty keeps ZITADEL's request; anything else would replace it whole (protojson).
      expect(await response.text()).toBe('');
    });

    it('never logs, stores or echoes the plaintext password (allowed, refused, malformed, unsigned)', async () => {
      const logsBefore = backend.server.logs.length;
      const bodies = [
        addHumanUserContext({ email: 'ok@example.com', password: PASSWORD }),
        addHumanUserContext({ email: 'admin@example.com', password: PASSWORD }),
        // `request` is a string: invalid, and the password is right there in the body.
        JSON.stringify({ request: `password ${PASSWORD}`, password: PASSWORD }),
      ];
      const answers: string[] = [];
      for (const body of bodies)
        answers.push(await (await backend.server.call('add-human-user', body)).text());
      answers.push(
        await (
          await backend.server.call('add-human-user', bodies[0] as string, {
            'zitadel-signature': 'x',
          })
        ).text(),
      );
      expect(answers.join('\n')).not.toContain(PASSWORD);
      const logged = backend.server.logs.slice(logsBefore).join('\n');
      expect(logged).toContain('action call'); // the calls were logged …
      expect(logged).not.toContain(PASSWORD); // … without the password
      const stored = JSON.stringify([
        await backend.database.handle.db.select().from(users),
        await backend.database.handle.db.select().from(identityEvents),
      ]);
      expect(stored).not.toContain(PASSWORD);
      const metrics = await (await fetch(backend.server.metricsUrl)).text();
      expect(metrics).toMatch(
        /liverty_action_calls_total\{target="add-human-user",outcome="reserved_username"\}/,
      );
      expect(metrics).toMatch(/liverty_users_provisioned_total\{source="enricher"\} [1-9]/);
    });
  });
});

describe('identity enricher with the database down', () => {
  it('answers 503 at once when Postgres refuses connections, and creates nothing', async () => {
    const issuer = await startTestIssuer();
    // Port 1: nothing listens, the connection is refused.
    const handle = await openDatabase({
      url: 'postgres://postgres@127.0.0.1:1/none',
      pgliteDir: 'x',
    });
    const server = await startActionsServer({
      database: handle,
      issuer: issuer.issuer,
      audience: ['a'],
    });
    try {
      const response = await server.call(
        'preaccesstoken',
        functionContext({ userId: newUserId() }),
      );
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: 'unavailable' });
    } finally {
      await server.close();
      await handle.close();
      await issuer.close();
    }
  });

  it('gives up on a database that never answers, then leaves it alone for a while', async () => {
    const issuer = await startTestIssuer();
    const blackHole = await startBlackHole();
    const handle = await openDatabase({ url: blackHole.url, pgliteDir: 'x' });
    const server = await startActionsServer({
      database: handle,
      issuer: issuer.issuer,
      audience: ['a'],
      deadlineMs: 250,
    });
    try {
      // One slow call is not an outage; three in a row that ran out of budget are.
      for (let i = 0; i < 3; i++) {
        const timedOut = await server.call(
          'preaccesstoken',
          functionContext({ userId: newUserId() }),
        );
        expect(timedOut.status).toBe(503);
      }
      const connectionsAfterFirst = blackHole.connections();
      expect(connectionsAfterFirst).toBeGreaterThan(0);
      // Backing off: the next calls do not even try the database.
      for (let i = 0; i < 5; i++) {
        const next = await server.call('preuserinfo', functionContext({ userId: newUserId() }));
        expect(next.status).toBe(503);
      }
      expect(blackHole.connections()).toBe(connectionsAfterFirst);
      // The signup policy needs no database and keeps working.
      const policy = await server.call(
        'add-human-user',
        addHumanUserContext({ email: 'fine@example.com', password: PASSWORD }),
      );
      expect(policy.status).toBe(200);
    } finally {
      await server.close();
      await blackHole.close();
      await handle.close().catch(() => {});
      await issuer.close();
    }
  });
});

describe('the enricher remembers', () => {
  it('answers a repeat call with an unchanged profile without the database, and asks again when it changed', async () => {
    const database = await createTestDatabase('pglite');
    let queries = 0;
    const counted = {
      db: database.handle.db,
      query: <T>(text: string, params: unknown[]) => {
        queries++;
        return database.handle.query<T>(text, params);
      },
    };
    const enrich = createIdentityEnricher({
      database: counted,
      clientIds: [],
      isUnavailable: isDatabaseUnavailable,
    });
    const userId = newUserId();
    const context = (familyName: string, sequence = 3) =>
      parseFunctionCall(Buffer.from(functionContext({ userId, familyName, sequence })));
    try {
      const first = await enrich(context('Mouse'));
      expect(first.outcome).toBe('provisioned');
      expect(queries).toBe(1);
      const again = await enrich(context('Mouse'));
      expect(again).toEqual({ outcome: 'remembered', response: first.response });
      expect(queries).toBe(1);
      const renamed = await enrich(context('Renamed', 4));
      expect(renamed).toEqual({ outcome: 'found', response: first.response });
      expect(queries).toBe(2);
    } finally {
      await database.drop();
    }
  });
});

describe('the enricher’s database breaker', () => {
  it('after backing off, lets one probe try the database while the others still fail fast', async () => {
    // The back-off is read from the clock: the test moves the clock instead of waiting it out.
    vi.useFakeTimers({ toFake: ['Date'] });
    const blackHole = await startBlackHole();
    const handle = await openDatabase({ url: blackHole.url, pgliteDir: 'x' });
    const backOffMs = 2000;
    const enrich = createIdentityEnricher({
      database: handle,
      clientIds: [],
      isUnavailable: isDatabaseUnavailable,
      deadlineMs: 50,
      backOffMs,
    });
    const call = () =>
      enrich(parseFunctionCall(Buffer.from(functionContext({ userId: newUserId() })))).then(
        () => 'answered',
        (error: Error) => error.message,
      );
    try {
      for (let i = 0; i < 3; i++) expect(await call()).toMatch(/did not answer in 50 ms/);
      expect(await call()).toMatch(/backing off/);
      vi.setSystemTime(Date.now() + backOffMs - 1);
      expect(await call()).toMatch(/backing off/);
      vi.setSystemTime(Date.now() + 1);
      // In the order they settle: the others do not wait for the probe, they fail at once.
      const settled: string[] = [];
      await Promise.all(
        Array.from({ length: 5 }, () => call().then((outcome) => settled.push(outcome))),
      );
      expect(settled.slice(0, 4).every((outcome) => /backing off/.test(outcome))).toBe(true);
      expect(settled[4]).toMatch(/did not answer in 50 ms/);
      // The probe failed: backing off again.
      expect(await call()).toMatch(/backing off/);
    } finally {
      vi.useRealTimers();
      await blackHole.close();
      await handle.close().catch(() => {});
    }
  });
});

describe('the enricher’s database breaker, closing again', () => {
  it('closes when the probe succeeds: the database is tried by every call again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const database = await createTestDatabase('pglite');
    // Hangs every statement while `hung`, as a database that stopped answering would.
    let hung = true;
    const switchable = {
      db: database.handle.db,
      query: <T>(text: string, params: unknown[]) =>
        hung ? new Promise<never>(() => {}) : database.handle.query<T>(text, params),
    };
    const backOffMs = 2000;
    const enrich = createIdentityEnricher({
      database: switchable,
      clientIds: [],
      isUnavailable: isDatabaseUnavailable,
      deadlineMs: 50,
      backOffMs,
    });
    const call = () =>
      enrich(parseFunctionCall(Buffer.from(functionContext({ userId: newUserId() })))).then(
        ({ outcome }) => outcome,
        (error: Error) => error.message,
      );
    try {
      for (let i = 0; i < 3; i++) expect(await call()).toMatch(/did not answer in 50 ms/);
      expect(await call()).toMatch(/backing off/);
      hung = false;
      vi.setSystemTime(Date.now() + backOffMs);
      expect(await call()).toBe('provisioned');
      expect(await Promise.all(Array.from({ length: 3 }, call))).toEqual([
        'provisioned',
        'provisioned',
        'provisioned',
      ]);
    } finally {
      vi.useRealTimers();
      await database.drop();
    }
  });
});

describe('a target without signing keys', () => {
  const backend = backendUnderTest({
    kind: 'pglite',
    server: {
      actions: {
        signingKeys: { preaccesstoken: [], preuserinfo: [], 'add-human-user': ['policy-only'] },
        clientIds: [],
        policy: createSignupPolicy({ reservedUsernames: ['admin'], blockedEmailDomains: [] }),
      },
    },
  });

  it('answers 404 while the targets that have keys answer', async () => {
    const body = functionContext({ userId: newUserId() });
    // Signed with the one key there is: still no enricher without its own key.
    const enricher = await fetch(`${backend.server.baseUrl}/actions/zitadel/preaccesstoken`, {
      method: 'POST',
      headers: { 'zitadel-signature': sign(body, 'policy-only') },
      body,
    });
    expect(enricher.status).toBe(404);
    const policyBody = addHumanUserContext({ email: 'x@example.com', password: PASSWORD });
    const policy = await fetch(`${backend.server.baseUrl}/actions/zitadel/add-human-user`, {
      method: 'POST',
      headers: { 'zitadel-signature': sign(policyBody, 'policy-only') },
      body: policyBody,
    });
    expect(policy.status).toBe(200);
  });
});

describe('the webhook and the Actions targets', () => {
  const backend = backendUnderTest({
    kind: 'pglite',
    server: {
      webhookSigningKeys: ['webhook-key'],
      actions: {
        signingKeys: { preaccesstoken: ['enricher-key'], preuserinfo: [], 'add-human-user': [] },
        clientIds: [],
        policy: createSignupPolicy({ reservedUsernames: [], blockedEmailDomains: [] }),
      },
    },
  });
  const post = (path: string, body: string, key: string) =>
    fetch(`${backend.server.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'zitadel-signature': sign(body, key) },
      body,
    });

  it('never accept each other’s keys: a webhook key on the enricher, an enricher key on the webhook', async () => {
    const userId = newUserId();
    const context = functionContext({ userId });
    expect((await post('/actions/zitadel/preaccesstoken', context, 'webhook-key')).status).toBe(
      401,
    );
    const event = webhookBody({
      userId,
      sequence: 1,
      eventType: 'user.human.added',
      payload: addedPayload('minnie@example.com'),
    });
    expect((await post('/webhooks/zitadel', event, 'enricher-key')).status).toBe(401);
    expect(
      await backend.database.handle.db.select().from(users).where(eq(users.zitadelUserId, userId)),
    ).toHaveLength(0);
    // Each with its own key: both accepted.
    expect((await post('/actions/zitadel/preaccesstoken', context, 'enricher-key')).status).toBe(
      200,
    );
    expect((await post('/webhooks/zitadel', event, 'webhook-key')).status).toBeLessThan(300);
  });
});
