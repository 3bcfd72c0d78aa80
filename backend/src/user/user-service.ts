import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import type { UserService } from '@liverty-music/gen/user/v1';
import type { Authenticate } from '../auth/authenticate';
import { isDatabaseUnavailable } from '../db/is-database-unavailable';
import type { Database } from '../db/open-database';
import type { Metrics } from '../http/metrics';
import type { Logger } from '../logger';
import { provisionUser } from './provision-user';
import { toProtoUser } from './to-proto-user';

export interface UserServiceDeps {
  db: Database;
  authenticate: Authenticate;
  logger: Logger;
  metrics: Metrics;
}

export function createUserService(deps: UserServiceDeps): ServiceImpl<typeof UserService> {
  return {
    async getOrCreate(request, context) {
      // Authenticate first: a caller without a valid token never reaches the database.
      const identity = await deps.authenticate(context.requestHeader);
      let result: Awaited<ReturnType<typeof provisionUser>>;
      try {
        result = await provisionUser(deps.db, identity);
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          deps.logger.warn({ err: error }, 'database unavailable during GetOrCreate');
          throw new ConnectError('database unavailable, try again shortly', Code.Unavailable);
        }
        throw error;
      }
      const { user, created } = result;
      // `is_registration` is the client's belief only: logged and counted, never acted on.
      deps.metrics.getOrCreate.inc({
        created: String(created),
        is_registration: String(request.isRegistration),
      });
      if (request.isRegistration !== created) {
        deps.logger.info(
          { userId: user.id, created, isRegistration: request.isRegistration },
          created ? 'user provisioned on a login callback' : 'signup callback for an existing user',
        );
      } else if (created) {
        deps.logger.info({ userId: user.id }, 'user provisioned');
      }
      return { user: toProtoUser(user), created };
    },
  };
}
