import { isDatabaseUnavailable } from '../db/is-database-unavailable';
import { ZitadelApiError } from '../zitadel-api/zitadel-client';
import { InstantUnreadable } from './read-dense-instant';
import { UsersNotYetListed } from './read-users-created-at';

export type SyncFailureReason = 'event_api' | 'list_users' | 'unreadable_instant' | 'database';

/**
 * What `GET /sync/health` may say on the public port: a category, never the error's own text
 * (hostnames, URLs, SQL, driver messages stay in the logs and the metrics).
 */
export type SyncFailureCategory =
  | 'zitadel_unreachable'
  | 'zitadel_timeout'
  | 'zitadel_refused_credentials'
  | 'zitadel_refused'
  | 'zitadel_unavailable'
  | 'zitadel_malformed_answer'
  | 'zitadel_projection_behind'
  | 'unreadable_instant'
  | 'database_unavailable'
  | 'internal_error';

function categoryOf(error: ZitadelApiError): SyncFailureCategory {
  if (error.failure === 'unreachable') return 'zitadel_unreachable';
  if (error.failure === 'timeout') return 'zitadel_timeout';
  if (error.failure === 'malformed') return 'zitadel_malformed_answer';
  if (error.status === 401 || error.status === 403) return 'zitadel_refused_credentials';
  return error.status !== undefined && error.status < 500
    ? 'zitadel_refused'
    : 'zitadel_unavailable';
}

/** What went wrong, as a metric label and a public category, and what an operator should do. */
export function describeSyncFailure(error: unknown): {
  reason: SyncFailureReason;
  category: SyncFailureCategory;
  message: string;
  advice: string;
} {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ZitadelApiError) {
    const category = categoryOf(error);
    if (error.status === 401 || error.status === 403) {
      return {
        reason: 'event_api',
        category,
        message,
        advice:
          'ZITADEL refused the personal access token: check ZITADEL_PAT belongs to a service user with events.read (and user.read for ListUsers), e.g. IAM_OWNER.',
      };
    }
    return {
      reason: 'event_api',
      category,
      message,
      advice: error.retryable
        ? 'Check that ZITADEL_API_URL is reachable and ZITADEL is healthy; the sync resumes from its checkpoint.'
        : 'ZITADEL rejected the request; check ZITADEL_API_URL points at ZITADEL itself and its version serves /admin/v1/events/_search and /v2/users.',
    };
  }
  if (error instanceof UsersNotYetListed) {
    return {
      reason: 'list_users',
      category: 'zitadel_projection_behind',
      message,
      advice:
        "ZITADEL's user projection has not caught up with a bulk write yet; try again in a minute. If it persists, check ZITADEL's projections.",
    };
  }
  if (error instanceof InstantUnreadable) {
    return {
      reason: 'unreadable_instant',
      category: 'unreadable_instant',
      message,
      advice:
        'The sync stays at this instant rather than skip events. Compare with `npm run sync:drift -- --list-users` and repair the listed users; see docs/provisioning.md, "An instant neither API can read".',
    };
  }
  return {
    reason: 'database',
    category: isDatabaseUnavailable(error) ? 'database_unavailable' : 'internal_error',
    message,
    advice: 'Check the database (DATABASE_URL); the sync resumes from its checkpoint.',
  };
}
