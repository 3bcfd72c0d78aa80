import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { isDatabaseUnavailable } from '../db/is-database-unavailable';
import type { Logger } from '../logger';
import { UserBlockedError } from '../provisioning/provision-from-token';

/**
 * The one place where failures become Connect codes. Anything unrecognised is a bare `internal`,
 * logged here: no stack trace or driver message reaches a client.
 */
export function connectErrorOf(error: unknown, logger: Logger, procedure: string): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof UserBlockedError) {
    return new ConnectError(
      `this account is ${error.state === 'removed' ? 'removed' : 'deactivated'}`,
      Code.PermissionDenied,
    );
  }
  if (isDatabaseUnavailable(error)) {
    logger.warn({ err: error, procedure }, 'database unavailable');
    return new ConnectError('database unavailable, try again shortly', Code.Unavailable);
  }
  logger.error({ err: error, procedure }, 'unhandled error in RPC');
  return new ConnectError('internal error', Code.Internal);
}

type UnaryMethod = (request: unknown, context: HandlerContext) => Promise<unknown>;

/**
 * Every method of a (unary-only) service implementation with its failures passed through
 * connectErrorOf. Wrapped once, not as an interceptor: connect-es applies interceptors anew on
 * every call (a closure and an array copy each time), on the path every sign-in takes.
 */
export function withConnectErrorCodes<S extends DescService>(
  impl: ServiceImpl<S>,
  logger: Logger,
): ServiceImpl<S> {
  const wrapped: Record<string, UnaryMethod> = {};
  for (const [name, method] of Object.entries(impl as Record<string, UnaryMethod>)) {
    wrapped[name] = async (request, context) => {
      try {
        return await method.call(impl, request, context);
      } catch (error) {
        throw connectErrorOf(error, logger, context.method.name);
      }
    };
  }
  return wrapped as ServiceImpl<S>;
}
