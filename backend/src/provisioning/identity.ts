import type { UserRow } from '../db/schema';
import type { FieldName } from './user-fields';

/** Who the caller is, as established by a verified token plus the issuer's userinfo. */
export type Identity = Pick<UserRow, 'zitadelUserId' | Exclude<FieldName, 'state'>>;
