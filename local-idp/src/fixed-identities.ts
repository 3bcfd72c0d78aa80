import type { EventEditor } from './event-log';

/**
 * The fixed ids of the single simulated ZITADEL instance and organisation. They are constants (not
 * generated) so that a provisioning service configured once keeps working across data-dir resets.
 */
export const INSTANCE_ID = '336500000000000000';
export const ORG_ID = '336500000000000001';
export const ORG_NAME = 'liverty-music';
export const ORG_PRIMARY_DOMAIN = 'liverty-music.localhost';

/**
 * In ZITADEL a self-signup is performed by the Login V2 app's service user, so the event's editor
 * (and the webhook's `userID`) is that service user, not the new user.
 */
export const LOGIN_CLIENT_EDITOR: EventEditor = {
  userId: '336500000000000002',
  displayName: 'login-client',
  service: 'zitadel.user.v2.UserService',
};

/** Editor for changes made through the dev admin API or the programmatic handle. */
export const DEV_ADMIN_EDITOR: EventEditor = {
  userId: '336500000000000003',
  displayName: 'local-idp-admin',
  service: 'zitadel.user.v2.UserService',
};
