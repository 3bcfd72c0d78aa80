import type { ServiceImpl } from '@connectrpc/connect';
import type { UserService } from '@liverty-music/gen/user/v1';
import { getOrCreateFromClaim } from '../actions/claimed-get-or-create';
import type { Authenticate } from '../auth/authenticate';
import type { DatabaseHandle } from '../db/open-database';
import type { Logger } from '../logger';
import type { Metrics } from '../observability/metrics';
import { findOrProvision, provisionFromToken } from '../provisioning/provision-from-token';
import { toProtoUser } from './to-proto-user';

export interface UserServiceDeps {
  database: DatabaseHandle;
  authenticate: Authenticate;
  logger: Logger;
  metrics: Metrics;
}

export function createUserService(deps: UserServiceDeps): ServiceImpl<typeof UserService> {
  return {
    async getOrCreate(request, context) {
      // Token and userinfo first: a caller without valid credentials never reaches the database.
      const caller = await deps.authenticate(context.requestHeader);
      // A token that names its app user skips the issuer's userinfo (docs/decisions/020).
      const { user, created, inserted } =
        (await getOrCreateFromClaim(deps.database, caller)) ??
        (await provisionFromToken(deps.database, await caller.identity()));
      if (inserted) deps.metrics.usersProvisioned.inc({ source: 'get_or_create' });
      // `is_registration` is the client's belief only: logged and counted, never acted on.
      deps.metrics.getOrCreate.inc({
        created: String(created),
        is_registration: String(request.isRegistration),
      });
      if (created || request.isRegistration) {
        deps.logger.info(
          { userId: user.id, created, inserted, isRegistration: request.isRegistration },
          created
            ? 'account claimed by its first GetOrCreate'
            : 'signup callback for an existing account',
        );
      }
      return { user: toProtoUser(user), created };
    },

    async getMe(_request, context) {
      const caller = await deps.authenticate(context.requestHeader);
      const { user, inserted } = await findOrProvision(
        deps.database,
        caller.zitadelUserId,
        caller.identity,
      );
      if (inserted) {
        deps.metrics.usersProvisioned.inc({ source: 'lazy' });
        deps.logger.info({ userId: user.id }, 'user provisioned lazily on an authenticated call');
      }
      return { user: toProtoUser(user) };
    },
  };
}
