import { getTableColumns, sql } from 'drizzle-orm';
import type { Database } from '../db/open-database';
import { type UserRow, users } from '../db/schema';

/** Who the caller is, as established by a verified token plus the issuer's userinfo. */
export interface Identity {
  zitadelUserId: string;
  email: string | null;
  emailVerified: boolean;
  displayName: string;
  givenName: string;
  familyName: string;
}

export interface ProvisionResult {
  user: UserRow;
  /** True only for the statement that inserted the row. */
  created: boolean;
}

/**
 * Creates the app user for an identity, or refreshes its profile, in one atomic statement.
 *
 * `INSERT … ON CONFLICT DO UPDATE` takes the row lock, so N concurrent first calls produce one
 * row; exactly one of them sees `xmax = 0` (a freshly inserted tuple), the others see the row
 * they updated. `updated_at` moves only when a field really changed.
 */
export async function provisionUser(db: Database, identity: Identity): Promise<ProvisionResult> {
  const changed = sql`(${users.email}, ${users.emailVerified}, ${users.displayName}, ${users.givenName}, ${users.familyName})
    is distinct from (excluded.email, excluded.email_verified, excluded.display_name, excluded.given_name, excluded.family_name)`;

  const [row] = await db
    .insert(users)
    .values({
      zitadelUserId: identity.zitadelUserId,
      email: identity.email,
      emailVerified: identity.emailVerified,
      displayName: identity.displayName,
      givenName: identity.givenName,
      familyName: identity.familyName,
    })
    .onConflictDoUpdate({
      target: users.zitadelUserId,
      set: {
        email: sql`excluded.email`,
        emailVerified: sql`excluded.email_verified`,
        displayName: sql`excluded.display_name`,
        givenName: sql`excluded.given_name`,
        familyName: sql`excluded.family_name`,
        updatedAt: sql`case when ${changed} then now() else ${users.updatedAt} end`,
      },
    })
    .returning({ ...getTableColumns(users), created: sql<boolean>`("users"."xmax" = 0)` });

  if (!row) throw new Error('upsert returned no row'); // cannot happen: DO UPDATE always returns
  const { created, ...user } = row;
  return { user, created };
}
