import { createHmac } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { BENCH_CLIENT_ID, profileFor } from './bench-identity';
import { getOrCreateRequest } from './get-or-create-request';

// The requests the enricher benchmark sends: Actions v2 calls as ZITADEL signs them, and GetMe.

/** The key the benchmark's backend verifies every Actions v2 call with (bench-only). */
export const KEY = 'bench-only-actions-signing-key';

/** A signed Actions v2 call, signed when it is sent (the signature carries the time). */
export function signed(target: string, body: string): Dispatcher.RequestOptions {
  const t = Math.floor(Date.now() / 1000);
  const mac = createHmac('sha256', KEY).update(`${t}.${body}`).digest('hex');
  return {
    path: `/actions/zitadel/${target}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'zitadel-signature': `t=${t},v1=${mac}` },
    body,
  };
}

/** ZITADEL's ContextInfo for a function execution, with the profile the bench issuer serves. */
export function functionBody(sub: string): string {
  const profile = profileFor(sub);
  return JSON.stringify({
    // ZITADEL joins type and name with '/' (shared/zitadel.md; the correction to decision 020).
    function: 'function/preaccesstoken',
    userinfo: { sub },
    user: {
      id: sub,
      // ZITADEL's user projection sequence (internal/query/user.go); the profile never changes here.
      sequence: 2,
      username: profile.email,
      preferred_login_name: profile.email,
      human: {
        first_name: profile.given_name,
        last_name: profile.family_name,
        display_name: profile.name,
        email: profile.email,
        is_email_verified: true,
      },
    },
    org: { id: '336500000000000001', name: 'bench', primary_domain: 'bench.example' },
    application: { client_id: BENCH_CLIENT_ID },
  });
}

export function addHumanUserBody(n: number): string {
  return JSON.stringify({
    fullMethod: '/zitadel.user.v2.UserService/AddHumanUser',
    request: {
      username: `person${n}@bench.example`,
      profile: { givenName: 'Bench', familyName: String(n) },
      email: { email: `person${n}@bench.example` },
      password: { password: 'bench-only-password-1', changeRequired: false },
    },
  });
}

export const getMeRequest = (token: string): Dispatcher.RequestOptions => ({
  ...getOrCreateRequest(token),
  path: '/liverty_music.user.v1.UserService/GetMe',
  body: '{}',
});
