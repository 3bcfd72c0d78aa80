/**
 * @liverty-music/local-idp: a local, ZITADEL-compatible OpenID Connect provider for development and
 * end-to-end tests. DEV-ONLY: keys, PAT and users live in plain files in the data dir.
 */

export type { TokenLifetimes } from './create-provider';
export type { EventEditor, LoggedEvent, UserEventType } from './event-log';
export { INVALID_CREDENTIALS_MESSAGE } from './interaction-routes';
export type {
  LocalIdp,
  LocalIdpEvents,
  LocalIdpUsers,
  LocalIdpWebhooks,
} from './local-idp-handle';
export { DEFAULTS, type LocalIdpOptions } from './local-idp-options';
export { LABELS } from './login-pages';
export { PASSWORD_POLICY_ERROR, PASSWORD_RULE_TEXT } from './password-policy';
export { readEnvOptions } from './read-env-options';
export type { PublicSigningJwk } from './signing-keys';
export { startLocalIdp } from './start-local-idp';
export { DUPLICATE_EMAIL_MESSAGE } from './user-account-input';
export type { NewUserInput, UserPatch } from './user-accounts';
export type { BurstOptions, BurstResult } from './user-burst';
export { BURST_PASSWORD, MAX_BURST } from './user-burst';
export type { User, UserState } from './user-store';
export { buildWebhookBody, computeSignature, SIGNATURE_HEADER } from './webhook-delivery';
