import { InstantUnreadable } from './read-dense-instant';
import { UsersNotYetListed } from './read-users-created-at';
import { ZitadelApiError } from './zitadel-client';

export type SyncFailureReason = 'event_api' | 'list_users' | 'unreadable_instant' | 'database';

/** What went wrong, as a metric label, and what an operator should do about it. */
export function describeSyncFailure(error: unknown): {
  reason: SyncFailureReason;
  message: string;
  advice: string;
} {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ZitadelApiError) {
    if (error.status === 401 || error.status === 403) {
      return {
        reason: 'event_api',
        message,
        advice:
          'ZITADEL refused the personal access token: check ZITADEL_PAT belongs to a service user with events.read (and user.read for ListUsers), e.g. IAM_OWNER.',
      };
    }
    return {
      reason: 'event_api',
      message,
      advice: error.retryable
        ? 'Check that ZITADEL_API_URL is reachable and ZITADEL is healthy; the sync resumes from its checkpoint.'
        : 'ZITADEL rejected the request; check ZITADEL_API_URL points at ZITADEL itself and its version serves /admin/v1/events/_search and /v2/users.',
    };
  }
  if (error instanceof UsersNotYetListed) {
    return {
      reason: 'list_users',
      message,
      advice:
        "ZITADEL's user projection has not caught up with a bulk write yet; try again in a minute. If it persists, check ZITADEL's projections.",
    };
  }
  if (error instanceof InstantUnreadable) {
    return {
      reason: 'unreadable_instant',
      message,
      advice:
        'The sync stays at this instant rather than skip events. Compare with `npm run sync:drift -- --list-users` and repair the listed users; see docs/provisioning.md, "An instant neither API can read".',
    };
  }
  return {
    reason: 'database',
    message,
    advice: 'Check the database (DATABASE_URL); the sync resumes from its checkpoint.',
  };
}
