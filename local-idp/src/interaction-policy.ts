import { interactionPolicy } from 'oidc-provider';

// Which prompts an authorization request may carry and in what order the interaction asks them:
// ZITADEL's `prompt=create`, `select_account` and `consent` as well as login.

/**
 * Every prompt this IdP handles resolves with one result, so listing them all as answered in every
 * interaction result keeps oidc-provider from asking again for one the page already covered.
 */
export const ANSWERED_PROMPTS = ['create', 'select_account', 'consent'] as const;

export function buildInteractionPolicy() {
  const { Prompt, base } = interactionPolicy;
  const policy = base();
  // Consent is implicit for this first-party client (see loadExistingGrant in create-provider.ts). The prompt stays
  // requestable only so `prompt=consent` is accepted (needed for refresh tokens, see offline-access-consent.ts).
  policy.remove('consent');
  policy.push(new Prompt({ name: 'consent', requestable: true }));
  // `prompt=create` (OIDC Prompt Create) opens registration and must win over login, so it goes
  // first. `select_account` is accepted like ZITADEL does; with a single account it shows login.
  policy.unshift(new Prompt({ name: 'select_account', requestable: true }));
  policy.unshift(new Prompt({ name: 'create', requestable: true }));
  return policy;
}
