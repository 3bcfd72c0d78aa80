import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { isDatabaseUnavailable } from '../db/is-database-unavailable';
import type { Logger } from '../logger';
import { UserBlockedError } from '../provisioning/provision-from-token';

/**
 * The one place where failures become Connect codes. Anything unrecognised is a bare `internal`,
 * logged here: no stack trace or driver message reaches a client.
 */
export function errorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (error) {
      if (error instanceof ConnectError) throw error;
      if (error instanceof UserBlockedError) {
        throw new ConnectError(
          `this account is ${error.state === 'removed' ? 'removed' : 'deactivated'}`,
          Code.PermissionDenied,
        );
      }
      if (isDatabaseUnavailable(error)) {
        logger.warn({ err: error, procedure: req.method.name }, 'database unavailable');
        throw new ConnectError('database unavailable, try again shortly', Code.Unavailable);
      }
      logger.error({ err: error, procedure: req.method.name }, 'unhandled error in RPC');
      throw new ConnectError('internal error', Code.Internal);
    }
  };
}
