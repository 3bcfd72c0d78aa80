// Child-process entry: a minimal OIDC issuer for the bench (discovery, JWKS, userinfo) on
// BENCH_ISSUER_PORT, publishing the public key in BENCH_ISSUER_JWK. It runs in its own process so
// the userinfo calls of never-seen users do not share an event loop with the load generator.
import { createServer } from 'node:http';
import { profileFor } from './bench-identity';

const port = Number(process.env.BENCH_ISSUER_PORT);
const jwk = process.env.BENCH_ISSUER_JWK;
if (!port || !jwk) {
  process.stderr.write('BENCH_ISSUER_PORT and BENCH_ISSUER_JWK are required\n');
  process.exit(1);
}
const issuer = `http://127.0.0.1:${port}`;
const discovery = JSON.stringify({
  issuer,
  jwks_uri: `${issuer}/oauth/v2/keys`,
  userinfo_endpoint: `${issuer}/oidc/v1/userinfo`,
  authorization_endpoint: `${issuer}/oauth/v2/authorize`,
  token_endpoint: `${issuer}/oauth/v2/token`,
});
const keys = JSON.stringify({ keys: [JSON.parse(jwk)] });

/**
 * The subject of a token this issuer signed. The signature is not re-checked: the backend has
 * verified it before it calls userinfo, and the stand-in only has to answer like ZITADEL, fast.
 */
function subjectOf(authorization: string | undefined): string | undefined {
  const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
      iss?: string;
      sub?: string;
      exp?: number;
    };
    if (claims.iss !== issuer || !claims.sub || (claims.exp ?? 0) * 1000 < Date.now()) {
      return undefined;
    }
    return claims.sub;
  } catch {
    return undefined;
  }
}

// Userinfo requests answered, for sections that show which calls skip userinfo (GET /stats).
let userinfoCalls = 0;

const server = createServer((req, res) => {
  const send = (status: number, body: string) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  switch (req.url) {
    case '/.well-known/openid-configuration':
      return send(200, discovery);
    case '/oauth/v2/keys':
      return send(200, keys);
    case '/stats':
      return send(200, JSON.stringify({ userinfo: userinfoCalls }));
    case '/oidc/v1/userinfo': {
      userinfoCalls++;
      const sub = subjectOf(req.headers.authorization);
      if (!sub) return send(401, '{"error":"invalid_token"}');
      return send(200, JSON.stringify(profileFor(sub)));
    }
    default:
      return send(404, '{"error":"not found"}');
  }
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
