import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import type {
  GetOrCreateRequest,
  GetOrCreateResponseSchema,
  UserService,
} from '@liverty-music/gen/user/v1';
import type { Authenticate, Caller } from '../auth/authenticate';
import type { DatabaseHandle } from '../db/open-database';
import type { UserRow } from '../db/schema';
import type { Logger } from '../logger';
import type { Metrics } from '../observability/metrics';
import type { Identity } from '../provisioning/identity';
import { findOrProvision, provisionFromToken } from '../provisioning/provision-from-token';
import { getOrCreateFromClaim } from './claimed-get-or-create';
import { getOrCreateMetrics } from './get-or-create-metrics';
import { createReturningUserCache } from './returning-user-cache';
import { toProtoUser } from './to-proto-user';

export interface UserServiceDeps {
  database: DatabaseHandle;
  authenticate: Authenticate;
  logger: Logger;
  metrics: Metrics;
  /** RETURNING_USER_CACHE_MS (docs/decisions/027); 0 reads every row from the database. */
  returningUserCacheMs: number;
  /** The returning-user cache's clock: Date.now unless a test moves time itself. */
  now?: () => number;
}

export function createUserService(deps: UserServiceDeps): ServiceImpl<typeof UserService> {
  const returning = createReturningUserCache({
    database: deps.database,
    logger: deps.logger,
    maxAgeMs: deps.returningUserCacheMs,
    now: deps.now,
  });

  // A returning user whose token or userinfo says nothing the row does not already hold is
  // answered from memory: the database would write nothing, and the claim was used up long ago.
  async function fromMemory(caller: Caller): Promise<UserRow | undefined> {
    const user = returning.get(caller.zitadelUserId);
    if (!user) return undefined;
    if (caller.appUserId !== undefined) return caller.appUserId === user.id ? user : undefined;
    return holdsIdentity(user, await caller.identity()) ? user : undefined;
  }

  const measured = getOrCreateMetrics(deps.metrics);
  async function getOrCreate(
    request: GetOrCreateRequest,
    context: HandlerContext,
  ): Promise<MessageInitShape<typeof GetOrCreateResponseSchema>> {
    // Token and userinfo first: a caller without valid credentials never reaches the database.
    const caller = await deps.authenticate(context.requestHeader);
    const readStarted = returning.beginRead();
    const remembered = await fromMemory(caller);
    // A token that names its app user skips the issuer's userinfo (docs/decisions/020).
    const { user, created, inserted } = remembered
      ? { user: remembered, created: false, inserted: false }
      : ((await getOrCreateFromClaim(deps.database, caller)) ??
        (await provisionFromToken(deps.database, await caller.identity())));
    if (!remembered) returning.remember(user, readStarted);
    if (inserted) deps.metrics.usersProvisioned.inc({ source: 'get_or_create' });
    // `is_registration` is the client's belief only: logged and counted, never acted on.
    deps.metrics.countGetOrCreate(created, request.isRegistration);
    if (created || request.isRegistration) {
      deps.logger.info(
        { userId: user.id, created, inserted, isRegistration: request.isRegistration },
        created
          ? 'account claimed by its first GetOrCreate'
          : 'signup callback for an existing account',
      );
    }
    return { user: toProtoUser(user), created };
  }

  return {
    async getOrCreate(request, context) {
      const started = performance.now();
      try {
        return await getOrCreate(request, context);
      } catch (error) {
        measured.failed(error);
        throw error;
      } finally {
        measured.observe(started);
      }
    },

    async getMe(_request, context) {
      const caller = await deps.authenticate(context.requestHeader);
      const remembered = returning.get(caller.zitadelUserId);
      if (remembered) return { user: toProtoUser(remembered) };
      const readStarted = returning.beginRead();
      const { user, inserted } = await findOrProvision(
        deps.database,
        caller.zitadelUserId,
        caller.identity,
      );
      returning.remember(user, readStarted);
      if (inserted) {
        deps.metrics.usersProvisioned.inc({ source: 'lazy' });
        deps.logger.info({ userId: user.id }, 'user provisioned lazily on an authenticated call');
      }
      return { user: toProtoUser(user) };
    },
  };
}

// Every field of an Identity is a column of the row under the same name.
function holdsIdentity(user: UserRow, identity: Identity): boolean {
  return (Object.keys(identity) as (keyof Identity)[]).every((key) => user[key] === identity[key]);
}
