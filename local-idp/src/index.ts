/**
 * @liverty-music/local-idp: a local, ZITADEL-compatible OpenID Connect provider for development and
 * end-to-end tests. DEV-ONLY: keys, PAT and users live in plain files in the data dir.
 */

export type { TokenLifetimes } from './create-provider.ts';
export type { EventEditor, LoggedEvent, UserEventType } from './event-log.ts';
export { INVALID_CREDENTIALS_MESSAGE } from './interaction-routes.ts';
export { LABELS } from './login-pages.ts';
export { PASSWORD_POLICY_ERROR, PASSWORD_RULE_TEXT } from './password-policy.ts';
export { readEnvOptions } from './read-env-options.ts';
export type { PublicSigningJwk } from './signing-keys.ts';
export type {
  LocalIdp,
  LocalIdpEvents,
  LocalIdpOptions,
  LocalIdpUsers,
  LocalIdpWebhooks,
} from './start-local-idp.ts';
export { DEFAULTS, startLocalIdp } from './start-local-idp.ts';
export type { BurstOptions, BurstResult, NewUserInput, UserPatch } from './user-accounts.ts';
export { BURST_PASSWORD, DUPLICATE_EMAIL_MESSAGE, MAX_BURST } from './user-accounts.ts';
export type { User, UserState } from './user-store.ts';
export { buildWebhookBody, computeSignature, SIGNATURE_HEADER } from './webhook-delivery.ts';
