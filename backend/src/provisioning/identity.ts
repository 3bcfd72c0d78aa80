/** Who the caller is, as established by a verified token plus the issuer's userinfo. */
export interface Identity {
  zitadelUserId: string;
  email: string | null;
  emailVerified: boolean;
  displayName: string;
  givenName: string;
  familyName: string;
}
