import { Writable } from 'node:stream';
import { decodeJwt } from 'jose';
import { pino } from 'pino';
import { createAuthenticator } from '../../src/auth/authenticate';
import { createIssuerDiscovery } from '../../src/auth/discover-issuer';
import { createUserinfoFetcher } from '../../src/auth/fetch-userinfo';
import { createIntrospector } from '../../src/auth/introspect-access-token';
import { createIssuerKeySet } from '../../src/auth/issuer-key-set';
import { createAccessTokenVerifier } from '../../src/auth/verify-access-token';
import { INTROSPECTION_CLIENT, type TestIssuer } from './test-issuer';

/** A pino logger writing into `lines`, each line parsed. */
export function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { logger, lines };
}

/**
 * The authenticator wired as create-token-authentication.ts wires it (real key set, verifier,
 * introspector and userinfo fetcher against the test issuer over HTTP), with a clock the test
 * sets (`at`), its log lines, and the codes of the refusals it counted.
 */
export function authenticatorUnderTest(issuer: TestIssuer) {
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const { logger, lines } = recordingLogger();
  const counted: string[] = [];
  const discover = createIssuerDiscovery({ issuer: issuer.issuer });
  const authenticate = createAuthenticator({
    verifyAccessToken: createAccessTokenVerifier({
      issuer: issuer.issuer,
      audience: [issuer.audience],
      clientIds: [issuer.clientId],
      keySet: createIssuerKeySet({ discover, logger }),
      introspect: createIntrospector({
        issuer: issuer.issuer,
        discover,
        credentials: { method: 'client_secret_basic', ...INTROSPECTION_CLIENT },
      }),
      now,
    }),
    fetchUserinfo: createUserinfoFetcher({ discover }),
    logger,
    countRefusal: (code) => counted.push(code),
    now,
  });
  return {
    clock,
    lines,
    counted,
    /** Sets the clock `offsetMs` after the JWT's `iat`. */
    atIssuedPlus(token: string, offsetMs: number) {
      clock.now = (decodeJwt(token).iat ?? 0) * 1000 + offsetMs;
    },
    authenticate: (authorization?: string) =>
      authenticate(new Headers(authorization === undefined ? {} : { authorization })),
  };
}
