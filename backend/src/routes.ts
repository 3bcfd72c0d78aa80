import type { ConnectRouter } from '@connectrpc/connect';
import { UserService } from '@liverty-music/gen/user/v1';
import { withConnectErrorCodes } from './user/connect-error-codes';
import { createUserService, type UserServiceDeps } from './user/user-service';

export function createRoutes(deps: UserServiceDeps) {
  return (router: ConnectRouter) => {
    router.service(UserService, withConnectErrorCodes(createUserService(deps), deps.logger));
  };
}
