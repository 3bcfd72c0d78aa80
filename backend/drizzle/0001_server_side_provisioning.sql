CREATE TABLE "identity_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"aggregate_type" text NOT NULL,
	"aggregate_id" text NOT NULL,
	"sequence" bigint NOT NULL,
	"event_type" text NOT NULL,
	"resource_owner" text,
	"event_time" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"payload" jsonb NOT NULL,
	CONSTRAINT "identity_events_idempotency" UNIQUE("aggregate_type","aggregate_id","sequence")
);
--> statement-breakpoint
CREATE TABLE "sync_checkpoints" (
	"name" text PRIMARY KEY NOT NULL,
	"position" timestamp(6) with time zone NOT NULL,
	"events_applied" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "org_id" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "state" text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "email_sequence" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "email_verified_sequence" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "display_name_sequence" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "given_name_sequence" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "family_name_sequence" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "state_sequence" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "claim_id" uuid;--> statement-breakpoint
CREATE INDEX "identity_events_event_time" ON "identity_events" USING btree ("event_time");--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_state_check" CHECK ("users"."state" in ('active', 'inactive', 'locked', 'removed'));--> statement-breakpoint
-- Hand-added: before this migration only GetOrCreate created users, so every existing row has
-- already been reported as `created: true` once. Claim them so it is never reported again.
UPDATE "users" SET "claim_id" = gen_random_uuid() WHERE "claim_id" IS NULL;
