import { describe, expect, it } from 'vitest';
import { APP_USER_ID_CLAIM } from '../src/auth/app-user-id-claim';
import { upsertUserFields } from '../src/provisioning/upsert-user-fields';
import {
  addHumanUserContext,
  functionContext,
  PREVIOUS_PREACCESSTOKEN_KEY,
  TARGET_KEYS,
} from './support/action-calls';
import { actionTargetsBackend, PASSWORD } from './support/action-targets-backend';
import { databaseKinds } from './support/test-databases';
import { newUserId, sign } from './support/zitadel-events';

describe.each(databaseKinds)('Actions v2 targets on %s', (kind) => {
  const { backend, rowsOf, enrich } = actionTargetsBackend(kind);

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
});
