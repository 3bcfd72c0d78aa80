CREATE TABLE "pending_identity_events" (
	"aggregate_id" text NOT NULL,
	"sequence" bigint NOT NULL,
	"event_type" text NOT NULL,
	"resource_owner" text,
	"event_time" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"payload" jsonb NOT NULL,
	CONSTRAINT "pending_identity_events_aggregate_id_sequence_pk" PRIMARY KEY("aggregate_id","sequence")
);
--> statement-breakpoint
CREATE TABLE "sweep_listed" (
	"run_id" bigint NOT NULL,
	"zitadel_user_id" text NOT NULL,
	CONSTRAINT "sweep_listed_run_id_zitadel_user_id_pk" PRIMARY KEY("run_id","zitadel_user_id")
);
--> statement-breakpoint
CREATE TABLE "sweep_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"outcome" text DEFAULT 'running' NOT NULL,
	"listed" bigint DEFAULT 0 NOT NULL,
	"created" bigint DEFAULT 0 NOT NULL,
	"updated" bigint DEFAULT 0 NOT NULL,
	"removed" bigint DEFAULT 0 NOT NULL,
	"reason" text
);
--> statement-breakpoint
CREATE INDEX "users_org_id" ON "users" USING btree ("org_id");--> statement-breakpoint
-- Hand-added: versions before docs/decisions/026 created a row for any user a state event named,
-- machine users included. Such a row was never returned by GetOrCreate (claim_id null), holds no
-- personal field, and the log holds no `user.human.*` event for it (the log keeps every event's
-- type; retention empties only payloads). Its logged events go with it. A removed row is left
-- alone (it may be an erased human); the sweep marks anything ZITADEL does not list as a human
-- removed (docs/decisions/032).
DELETE FROM "identity_events" e USING "users" u
WHERE e."aggregate_type" = 'user' AND e."aggregate_id" = u."zitadel_user_id"
  AND u."claim_id" IS NULL AND u."email" IS NULL AND u."state" <> 'removed'
  AND u."display_name" = '' AND u."given_name" = '' AND u."family_name" = ''
  AND NOT EXISTS (
    SELECT 1 FROM "identity_events" h
    WHERE h."aggregate_type" = 'user' AND h."aggregate_id" = u."zitadel_user_id"
      AND h."event_type" LIKE 'user.human.%');
--> statement-breakpoint
DELETE FROM "users" u
WHERE u."claim_id" IS NULL AND u."email" IS NULL AND u."state" <> 'removed'
  AND u."display_name" = '' AND u."given_name" = '' AND u."family_name" = ''
  AND NOT EXISTS (
    SELECT 1 FROM "identity_events" h
    WHERE h."aggregate_type" = 'user' AND h."aggregate_id" = u."zitadel_user_id"
      AND h."event_type" LIKE 'user.human.%');
