import { describe, expect, it } from 'vitest';
import { APP_USER_ID_CLAIM } from '../src/auth/app-user-id-claim';
import { identityEvents, users } from '../src/db/schema';
import { addHumanUserContext, functionContext } from './support/action-calls';
import { actionTargetsBackend, PASSWORD } from './support/action-targets-backend';
import { databaseKinds } from './support/test-databases';
import { newUserId } from './support/zitadel-events';

// One file, one server per database: the password test's last check (users provisioned by the
// enricher) counts the rows the claim tests made through the enricher before it.
describe.each(databaseKinds)('Actions v2 targets on %s', (kind) => {
  const { backend, rowsOf, enrich } = actionTargetsBackend(kind);

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
