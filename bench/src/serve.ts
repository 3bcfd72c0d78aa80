// Child-process entry for the two peers GetOrCreate is measured against, on the backend's own
// stack: its HTTP/1.1 + h2c front (listenHttp1AndH2c: protocol detection per connection, the same
// HTTP limits as the backend's defaults, unread bodies drained), connectNodeAdapter, the
// generated UserService, 64 KiB read limit. What the backend does beyond that is its own cost.
//
//   BENCH_PEER=noop   returns a fixed user: no token check, no database. The framework limit.
//   BENCH_PEER=naive  verifies the token and fetches userinfo exactly like the backend, then
//                     select → insert if missing → update if the profile differs: what most apps
//                     write. Concurrent first calls for one user race into unique violations.
//
// GET /readyz answers once it can serve; GET /stats reports the naive peer's error counts.
import { Code, ConnectError, type ConnectRouter, type ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import {
  createLogger,
  createTokenAuthentication,
  type DatabaseHandle,
  HTTP_LIMIT_DEFAULTS,
  listenHttp1AndH2c,
  openDatabase,
  toProtoUser,
  users,
} from '@liverty-music/backend';
import { UserService, UserState } from '@liverty-music/gen/user/v1';
import { eq } from 'drizzle-orm';

const port = Number(process.env.PORT);
const peer = process.env.BENCH_PEER;
if (!port || (peer !== 'noop' && peer !== 'naive')) {
  process.stderr.write('PORT and BENCH_PEER=noop|naive are required\n');
  process.exit(1);
}

const stats = { uniqueViolations: 0, otherErrors: 0, inserted: 0, updated: 0 };

// Postgres reports a duplicate key as SQLSTATE 23505; drizzle wraps the driver's error in `cause`.
function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

const FIXED_USER = {
  id: '00000000-0000-4000-8000-000000000000',
  zitadelUserId: '336500000000000001',
  email: 'user336500000000000001@bench.example',
  emailVerified: true,
  displayName: 'Bench 336500000000000001',
  givenName: 'Bench',
  familyName: '336500000000000001',
  // Microseconds, as every row from Postgres has them: the answer costs what a real one costs
  // to encode (a whole-second timestamp is printed shorter in JSON).
  createdAt: { seconds: 1_750_000_000n, nanos: 123_456_000 },
  updatedAt: { seconds: 1_750_000_000n, nanos: 654_321_000 },
  state: UserState.ACTIVE,
};

function noopService(): ServiceImpl<typeof UserService> {
  return {
    async getOrCreate() {
      return { user: FIXED_USER, created: false };
    },
    async getMe() {
      return { user: FIXED_USER };
    },
  };
}

async function naiveService(database: DatabaseHandle): Promise<ServiceImpl<typeof UserService>> {
  const issuer = process.env.OIDC_ISSUER ?? '';
  const authenticate = createTokenAuthentication(
    {
      issuer,
      audience: (process.env.OIDC_AUDIENCE ?? '').split(','),
      clientIds: (process.env.OIDC_CLIENT_IDS ?? '').split(','),
    },
    createLogger('warn'),
  );
  const { db } = database;

  async function getOrCreate(headers: Headers) {
    const caller = await authenticate(headers);
    const identity = await caller.identity();
    const [existing] = await db
      .select()
      .from(users)
      .where(eq(users.zitadelUserId, identity.zitadelUserId));
    const profile = {
      email: identity.email,
      emailVerified: identity.emailVerified,
      displayName: identity.displayName,
      givenName: identity.givenName,
      familyName: identity.familyName,
    };
    if (!existing) {
      const [row] = await db
        .insert(users)
        .values({ zitadelUserId: identity.zitadelUserId, ...profile })
        .returning();
      stats.inserted++;
      if (!row) throw new ConnectError('insert returned nothing', Code.Internal);
      return { user: toProtoUser(row), created: true };
    }
    const differs = (Object.keys(profile) as (keyof typeof profile)[]).some(
      (key) => existing[key] !== profile[key],
    );
    if (!differs) return { user: toProtoUser(existing), created: false };
    const [row] = await db
      .update(users)
      .set({ ...profile, updatedAt: new Date() })
      .where(eq(users.zitadelUserId, identity.zitadelUserId))
      .returning();
    stats.updated++;
    return { user: toProtoUser(row ?? existing), created: false };
  }

  return {
    async getOrCreate(_request, context) {
      try {
        return await getOrCreate(context.requestHeader);
      } catch (error) {
        if (error instanceof ConnectError) throw error;
        // What such an app does with the race: a 500 that the client has to retry.
        if (isUniqueViolation(error)) stats.uniqueViolations++;
        else stats.otherErrors++;
        throw new ConnectError('internal error', Code.Internal);
      }
    },
    async getMe() {
      throw new ConnectError('not part of the benchmark', Code.Unimplemented);
    },
  };
}

let database: DatabaseHandle | undefined;
if (peer === 'naive') {
  database = await openDatabase({ url: process.env.DATABASE_URL, pgliteDir: 'memory://' });
  await database.migrate();
}
const impl = database ? await naiveService(database) : noopService();
const rpc = connectNodeAdapter({
  routes: (router: ConnectRouter) => {
    router.service(UserService, impl);
  },
  // Same limit as the backend: the decode path is the same.
  readMaxBytes: 64 * 1024,
});

const server = listenHttp1AndH2c(
  (req, res) => {
    if (req.method === 'GET' && req.url === '/readyz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
      return;
    }
    if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    rpc(req, res);
  },
  rpc,
  HTTP_LIMIT_DEFAULTS,
  // The peers take the backend's network front as it is, guard included (docs/decisions/028).
  createLogger('warn'),
);
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeIdleConnections();
  void (database?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
