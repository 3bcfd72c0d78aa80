import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

export const USER_STATES = ['active', 'inactive', 'locked', 'removed'] as const;
export type UserState = (typeof USER_STATES)[number];

/** One row per ZITADEL identity: the app's own user. Never deleted by a sync. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // ZITADEL's user id (the access token's `sub`, the events' aggregate id).
    zitadelUserId: text('zitadel_user_id').notNull().unique(),
    // ZITADEL organisation (resource owner), when an event told us.
    orgId: text('org_id'),
    // Null when the issuer shares no email (scope `email` not granted).
    email: text('email'),
    emailVerified: boolean('email_verified').notNull().default(false),
    displayName: text('display_name').notNull().default(''),
    givenName: text('given_name').notNull().default(''),
    familyName: text('family_name').notNull().default(''),
    state: text('state', { enum: USER_STATES }).notNull().default('active'),
    // The ZITADEL event sequence that last set each field. Events are partial and can arrive out
    // of order (webhook and poller race; ZITADEL never retries): an event only overwrites a field
    // whose recorded sequence is older, so every field converges to its newest event.
    emailSequence: bigint('email_sequence', { mode: 'number' }).notNull().default(0),
    emailVerifiedSequence: bigint('email_verified_sequence', { mode: 'number' })
      .notNull()
      .default(0),
    displayNameSequence: bigint('display_name_sequence', { mode: 'number' }).notNull().default(0),
    givenNameSequence: bigint('given_name_sequence', { mode: 'number' }).notNull().default(0),
    familyNameSequence: bigint('family_name_sequence', { mode: 'number' }).notNull().default(0),
    stateSequence: bigint('state_sequence', { mode: 'number' }).notNull().default(0),
    // The GetOrCreate call that first returned this user; that caller alone is told
    // `created: true`, even when a webhook or the reconciler inserted the row earlier.
    claimId: uuid('claim_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check('users_state_check', sql`${table.state} in ('active', 'inactive', 'locked', 'removed')`),
    // `org.removed` removes every user of the organisation at once.
    index('users_org_id').on(table.orgId),
  ],
);

export type UserRow = typeof users.$inferSelect;

export const EVENT_SOURCES = ['webhook', 'poll', 'backfill'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/**
 * Append-only log of every ZITADEL event received, with secrets stripped from the payload.
 * Its unique key is the idempotency record: a redelivered event is recognised and skipped.
 */
export const identityEvents = pgTable(
  'identity_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    aggregateType: text('aggregate_type').notNull(),
    aggregateId: text('aggregate_id').notNull(),
    sequence: bigint('sequence', { mode: 'number' }).notNull(),
    eventType: text('event_type').notNull(),
    resourceOwner: text('resource_owner'),
    eventTime: timestamp('event_time', { withTimezone: true }).notNull(),
    source: text('source', { enum: EVENT_SOURCES }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    payload: jsonb('payload').notNull(),
  },
  (table) => [
    unique('identity_events_idempotency').on(
      table.aggregateType,
      table.aggregateId,
      table.sequence,
    ),
    index('identity_events_event_time').on(table.eventTime),
  ],
);

/** Where a pull-based sync (reconciler, backfill) has read the Event API up to. */
export const syncCheckpoints = pgTable('sync_checkpoints', {
  name: text('name').primaryKey(),
  // The newest event creation date fully applied.
  position: timestamp('position', { withTimezone: true, precision: 6, mode: 'string' }).notNull(),
  eventsApplied: bigint('events_applied', { mode: 'number' }).notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const SWEEP_OUTCOMES = ['running', 'complete', 'incomplete', 'failed'] as const;
export type SweepOutcome = (typeof SWEEP_OUTCOMES)[number];

/**
 * One sweep (src/sweep/): a full ListUsers listing compared with the app's users. `started_at`
 * is the database's clock when the listing began: rows created at or after it are never removed by
 * this run (their users may have been created after the listing passed them).
 */
export const sweepRuns = pgTable('sweep_runs', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
  outcome: text('outcome', { enum: SWEEP_OUTCOMES }).notNull().default('running'),
  listed: bigint('listed', { mode: 'number' }).notNull().default(0),
  created: bigint('created', { mode: 'number' }).notNull().default(0),
  updated: bigint('updated', { mode: 'number' }).notNull().default(0),
  removed: bigint('removed', { mode: 'number' }).notNull().default(0),
  /** Why the run changed nothing (incomplete) or stopped (failed). */
  reason: text('reason'),
});

/**
 * The ids one sweep's listing held, written page by page: removal is one anti-join in SQL, so no
 * process holds every user in memory. A run's rows are deleted when it ends.
 */
export const sweepListed = pgTable(
  'sweep_listed',
  {
    runId: bigint('run_id', { mode: 'number' }).notNull(),
    zitadelUserId: text('zitadel_user_id').notNull(),
  },
  (table) => [primaryKey({ columns: [table.runId, table.zitadelUserId] })],
);

/**
 * State events (`user.deactivated`, `user.locked`, `user.removed`, …) about a user the app does
 * not have yet: they cannot prove the user human, so they cannot create the row, but they must not
 * be lost (a webhook-only deployment reads no history). Applied, and deleted, when the row appears.
 */
export const pendingIdentityEvents = pgTable(
  'pending_identity_events',
  {
    aggregateId: text('aggregate_id').notNull(),
    sequence: bigint('sequence', { mode: 'number' }).notNull(),
    eventType: text('event_type').notNull(),
    resourceOwner: text('resource_owner'),
    eventTime: timestamp('event_time', { withTimezone: true, mode: 'string' }).notNull(),
    source: text('source', { enum: EVENT_SOURCES }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    payload: jsonb('payload').notNull(),
  },
  (table) => [primaryKey({ columns: [table.aggregateId, table.sequence] })],
);
