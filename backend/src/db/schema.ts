import { boolean, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** One row per ZITADEL identity: the app's own user. */
export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  // ZITADEL's user id (the access token's `sub`); the only key identity is matched on.
  zitadelUserId: text('zitadel_user_id').notNull().unique(),
  // Null when the issuer shares no email (scope `email` not granted).
  email: text('email'),
  emailVerified: boolean('email_verified').notNull().default(false),
  displayName: text('display_name').notNull().default(''),
  givenName: text('given_name').notNull().default(''),
  familyName: text('family_name').notNull().default(''),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type UserRow = typeof users.$inferSelect;
