/**
 * The private claim naming the app user, added by the enricher (actions/enrich-identity.ts) and
 * read with the token's identity (docs/decisions/020). Never under `urn:zitadel:iam`: ZITADEL
 * drops those.
 */
export const APP_USER_ID_CLAIM = 'urn:liverty-music:user_id';
