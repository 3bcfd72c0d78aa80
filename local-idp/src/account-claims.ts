import { ORG_ID, ORG_NAME, ORG_PRIMARY_DOMAIN } from './fixed-identities';
import { displayName } from './user-account-input';
import type { User } from './user-store';

export const RESOURCE_OWNER_SCOPE = 'urn:zitadel:iam:user:resourceowner';

/** Which claims each scope releases, as in ZITADEL's userinfo (the subset this IdP has data for). */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  [RESOURCE_OWNER_SCOPE]: [
    `${RESOURCE_OWNER_SCOPE}:id`,
    `${RESOURCE_OWNER_SCOPE}:name`,
    `${RESOURCE_OWNER_SCOPE}:primary_domain`,
  ],
} as const satisfies Record<string, readonly string[]>;

export type ClaimSet = Record<string, string | number | boolean>;

/** Every claim this IdP knows about a user; callers filter by the granted scopes. */
export function allClaims(user: User): ClaimSet {
  return {
    sub: user.id,
    name: displayName(user),
    given_name: user.givenName,
    family_name: user.familyName,
    // ZITADEL's preferred_username is the login name; Login V2 self-signup uses the email for it.
    preferred_username: user.email,
    locale: 'en',
    updated_at: Math.floor(Date.parse(user.updatedAt) / 1000),
    email: user.email,
    email_verified: user.emailVerified,
    [`${RESOURCE_OWNER_SCOPE}:id`]: ORG_ID,
    [`${RESOURCE_OWNER_SCOPE}:name`]: ORG_NAME,
    [`${RESOURCE_OWNER_SCOPE}:primary_domain`]: ORG_PRIMARY_DOMAIN,
  };
}

/** The claims released for the given scopes (always including `sub`). */
export function claimsForScopes(user: User, scopes: Iterable<string>): ClaimSet {
  const claims = allClaims(user);
  const released: ClaimSet = { sub: user.id };
  for (const scope of scopes) {
    const names: readonly string[] | undefined = (
      CLAIMS_BY_SCOPE as Record<string, readonly string[]>
    )[scope];
    for (const name of names ?? []) {
      const value = claims[name];
      if (value !== undefined) released[name] = value;
    }
  }
  return released;
}

/** ZITADEL adds the resource-owner claims to JWT access tokens too (they are "private" claims, not profile data). */
export function accessTokenPrivateClaims(scopes: Iterable<string>): ClaimSet {
  const set = new Set(scopes);
  if (!set.has(RESOURCE_OWNER_SCOPE)) return {};
  return {
    [`${RESOURCE_OWNER_SCOPE}:id`]: ORG_ID,
    [`${RESOURCE_OWNER_SCOPE}:name`]: ORG_NAME,
    [`${RESOURCE_OWNER_SCOPE}:primary_domain`]: ORG_PRIMARY_DOMAIN,
  };
}
