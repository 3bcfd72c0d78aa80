import { describe, expect, it } from 'vitest';
import { users } from '../src/db/schema';
import { startTestServer } from './support/start-test-server';
import { OTHER_CLIENT_ID } from './support/test-issuer';
import { profile, tokenMatrix } from './support/token-matrix-fixture';

// JWT access tokens against ID tokens and other clients' tokens, and the key set while the issuer
// is unreachable. Opaque tokens: token-matrix-opaque.test.ts.
describe('token matrix: only this app’s access tokens, JWT or opaque', () => {
  const { backend, logs, expectOutcome } = tokenMatrix();

  it('accepts the SPA’s JWT access token (control)', async () => {
    await expectOutcome(
      'JWT access token of the SPA (control)',
      await backend.issuer.issue(profile),
      'accepted',
    );
  });

  it('refuses a ZITADEL-shaped ID token, which carries client_id too', async () => {
    const idToken = await backend.issuer.issueIdToken(profile);
    await expectOutcome(
      'ID token (aud, sub, client_id as the access token; azp, at_hash, nonce)',
      idToken,
      'Unauthenticated',
      /this is an ID token \(it has azp, nonce, at_hash\)/,
    );
    const withoutNonce = await backend.issuer.issueIdToken(profile, { nonce: false });
    await expectOutcome(
      'ID token without nonce',
      withoutNonce,
      'Unauthenticated',
      /ID token \(it has azp, at_hash\)/,
    );
  });

  it('refuses another client’s JWT access token, though its audience holds the project', async () => {
    const token = await backend.issuer.issue(profile, {
      claims: { client_id: OTHER_CLIENT_ID, aud: [OTHER_CLIENT_ID, backend.issuer.audience] },
    });
    await expectOutcome(
      'another client’s JWT access token (project in aud)',
      token,
      'PermissionDenied',
      /issued to client "other-app", which may not call this API/,
    );
  });

  it('refuses a JWT without client_id', async () => {
    const token = await backend.issuer.issue(profile, { claims: { client_id: undefined } });
    await expectOutcome('JWT without client_id', token, 'Unauthenticated', /no client_id/);
  });

  it('keeps verifying with the last key set while the issuer is unreachable, within the bound', async () => {
    let clock = Date.now();
    const resilient = await startTestServer({
      database: backend.database.handle,
      issuer: backend.issuer.issuer,
      audience: [backend.issuer.audience],
      // Refetch on every call, so the outage is noticed at once; a bound of 10 minutes.
      keySet: { refreshAfterMs: 0, cooldownMs: 0, maxStaleMs: 10 * 60_000, now: () => clock },
      logger: logs.logger,
    });
    try {
      await expectOutcome(
        'JWT, issuer up (keys fetched)',
        await backend.issuer.issue(profile),
        'accepted',
        undefined,
        resilient.client(),
      );
      await backend.database.handle.db.delete(users);
      backend.issuer.setStatus('jwks', 503);
      backend.issuer.setStatus('discovery', 503);
      const warnings = logs.lines.length;
      clock += 9 * 60_000;
      await expectOutcome(
        'JWT, JWKS and discovery down 9 min, key cached',
        await backend.issuer.issue(profile),
        'accepted',
        undefined,
        resilient.client(),
      );
      expect(logs.lines.slice(warnings).join('\n')).toMatch(
        /issuer key set unreachable: verifying with the last key set fetched/,
      );

      await backend.database.handle.db.delete(users);
      await backend.issuer.publishOtherKey('key-2');
      await expectOutcome(
        'JWT by a key not seen yet, JWKS down',
        await backend.issuer.issue(profile, { kid: 'key-2', useOtherKey: true }),
        'Unavailable',
        /key this API has not seen/,
        resilient.client(),
      );

      clock += 2 * 60_000;
      await expectOutcome(
        'JWT, JWKS down 11 min (past the 10 min bound)',
        await backend.issuer.issue(profile),
        'Unavailable',
        /key set answered HTTP 503|discovery answered HTTP 503/,
        resilient.client(),
      );
    } finally {
      await resilient.close();
    }
  });
});
