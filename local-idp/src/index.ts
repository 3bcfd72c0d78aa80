/**
 * @liverty-music/local-idp: a local, ZITADEL-compatible OpenID Connect provider for development and
 * end-to-end tests. DEV-ONLY: keys, PAT and users live in plain files in the data dir.
 */

export type { TokenLifetimes } from './create-provider.ts';
export type { EventEditor, LoggedEvent, UserEventType } from './event-log.ts';
export { INVALID_CREDENTIALS_MESSAGE } from './interaction-routes.ts';
export type {
  LocalIdp,
  LocalIdpEvents,
  LocalIdpUsers,
  LocalIdpWebhooks,
} from './local-idp-handle.ts';
export { DEFAULTS, type LocalIdpOptions } from './local-idp-options.ts';
export { LABELS } from './login-pages.ts';
export { PASSWORD_POLICY_ERROR, PASSWORD_RULE_TEXT } from './password-policy.ts';
export { readEnvOptions } from './read-env-options.ts';
export type { PublicSigningJwk } from './signing-keys.ts';
export { startLocalIdp } from './start-local-idp.ts';
export { DUPLICATE_EMAIL_MESSAGE } from './user-account-input.ts';
export type { NewUserInput, UserPatch } from './user-accounts.ts';
export type { BurstOptions, BurstResult } from './user-burst.ts';
export { BURST_PASSWORD, MAX_BURST } from './user-burst.ts';
export type { User, UserState } from './user-store.ts';
export { buildWebhookBody, computeSignature, SIGNATURE_HEADER } from './webhook-delivery.ts';
